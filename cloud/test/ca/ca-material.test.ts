// Where the appliance CA's key comes from: generated once into the data dir, reused on the next
// boot, or an operator's own key and certificate from EVALROOM_CA_KEY_FILE / EVALROOM_CA_CERT_FILE.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadOrCreateCa } from '../../src/ca/ca-material';
import { toPem } from '../../src/ca/der';
import { makeClientCertificate, newSerial } from '../../src/ca/x509';

const run = promisify(execFile);

describe('appliance CA material', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evalroom-ca-mat-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is generated on first boot (key 0600) and the same CA is loaded on the next', async () => {
    const a = loadOrCreateCa({ dataDir: dir, env: {} });
    expect(a.source).toBe('generated');
    expect((await stat(join(dir, 'ca', 'ca-key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'ca'))).mode & 0o777).toBe(0o700);
    const b = loadOrCreateCa({ dataDir: dir, env: {} });
    expect(b.source).toBe('data dir');
    expect(b.certificate.fingerprint256).toBe(a.certificate.fingerprint256);
    // openssl reads our self-signed CA certificate as a CA
    const text = (await run('openssl', ['x509', '-in', join(dir, 'ca', 'ca.pem'), '-noout', '-text'])).stdout;
    expect(text).toMatch(/CA:TRUE/);
    expect(text).toMatch(/Certificate Sign, CRL Sign/);
  });

  it('takes an operator CA from the environment (made by openssl) and issues certificates openssl verifies', async () => {
    const keyFile = join(dir, 'op-key.pem');
    const certFile = join(dir, 'op-ca.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '30', '-subj', '/O=Operator/CN=Operator Appliance CA']);
    const ca = loadOrCreateCa({ dataDir: dir, env: { EVALROOM_CA_KEY_FILE: keyFile, EVALROOM_CA_CERT_FILE: certFile } });
    expect(ca.source).toBe('env');
    const box = generateKeyPairSync('ed25519');
    const now = new Date();
    const der = makeClientCertificate(
      { applianceId: 'box-1', roomId: 'room-1', spki: box.publicKey.export({ format: 'der', type: 'spki' }), issuerName: ca.subject, issuerKeyId: ca.keyId, notBefore: now, notAfter: ca.notAfter, serial: newSerial() },
      ca.key,
    );
    await writeFile(join(dir, 'leaf.pem'), toPem('CERTIFICATE', der));
    const v = await run('openssl', ['verify', '-CAfile', certFile, join(dir, 'leaf.pem')]);
    expect(v.stdout).toMatch(/: OK$/m);
    // the operator's files are used as they are: nothing generated in the data dir
    await expect(stat(join(dir, 'ca'))).rejects.toThrow();
  });

  it('refuses a key that does not belong to the certificate, half a pair, or one of the two variables', async () => {
    const a = loadOrCreateCa({ dataDir: join(dir, 'a'), env: {} });
    loadOrCreateCa({ dataDir: join(dir, 'b'), env: {} });
    expect(() => loadOrCreateCa({ dataDir: dir, env: { EVALROOM_CA_KEY_FILE: join(dir, 'b', 'ca', 'ca-key.pem'), EVALROOM_CA_CERT_FILE: join(dir, 'a', 'ca', 'ca.pem') } })).toThrow(/is not the key of/);
    expect(() => loadOrCreateCa({ dataDir: dir, env: { EVALROOM_CA_KEY_FILE: join(dir, 'a', 'ca', 'ca-key.pem') } })).toThrow(/both/);
    await rm(join(dir, 'a', 'ca', 'ca-key.pem'));
    expect(() => loadOrCreateCa({ dataDir: join(dir, 'a'), env: {} })).toThrow(/only one of/);
    expect(await readFile(join(dir, 'a', 'ca', 'ca.pem'), 'utf8')).toBe(a.certificatePem);
  });
});
