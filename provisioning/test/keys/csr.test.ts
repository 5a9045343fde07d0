// PKCS#10 requests built on node:crypto with our own DER encoder must be what openssl expects.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildCertificateRequest, generateApplianceKey, readPrivateKey, writePrivateKey } from '../../src/keys';

const run = promisify(execFile);

describe('appliance keys and certificate requests', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'evalroom-csr-'));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it.each(['ec-p256', 'ed25519'] as const)('a %s request verifies with openssl and carries the identity and signing time', async (type) => {
    const keys = generateApplianceKey(type);
    const at = new Date('2026-11-21T08:30:15.500Z');
    const { pem, der } = buildCertificateRequest({ applianceId: 'room-3-box', roomId: 'room-3', publicKey: keys.publicKey, signingKey: keys.privateKey, signingTime: at });
    const file = path.join(work, `${type}.csr`);
    await writeFile(file, pem);
    const { stdout, stderr } = await run('openssl', ['req', '-in', file, '-noout', '-verify', '-text']);
    expect(stderr).toMatch(/self-signature verify OK/);
    expect(stdout).toMatch(/Subject: O\s*=\s*evalroom, OU\s*=\s*room-3, CN\s*=\s*room-3-box/);
    expect(stdout).toMatch(/Attributes:\s+signingTime/); // openssl lists it but cannot print a request's signingTime value
    // openssl's DER re-encoding of what we wrote is byte-identical: our encoding is canonical
    const back = await run('openssl', ['req', '-in', file, '-outform', 'DER'], { encoding: 'buffer' } as never);
    expect(Buffer.compare(back.stdout as unknown as Buffer, der)).toBe(0);
  });

  it('a request signed with another key does not verify', async () => {
    const a = generateApplianceKey();
    const b = generateApplianceKey();
    const file = path.join(work, 'forged.csr');
    await writeFile(file, buildCertificateRequest({ applianceId: 'x', roomId: 'y', publicKey: a.publicKey, signingKey: b.privateKey }).pem);
    // openssl 3 exits 0 either way: the verdict is on stderr
    const r = await run('openssl', ['req', '-in', file, '-noout', '-verify']).catch((err: { stderr: string }) => err);
    expect(r.stderr).toMatch(/self-signature verify failure/);
  });

  it('writes the private key readable by its owner only, and reads it back', async () => {
    const keys = generateApplianceKey();
    const file = path.join(work, 'secrets', 'appliance-key.pem');
    const old = process.umask(0);
    try {
      await writePrivateKey(file, keys.privateKey);
    } finally {
      process.umask(old);
    }
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).startsWith('-----BEGIN PRIVATE KEY-----')).toBe(true);
    const back = await readPrivateKey(file);
    expect(back.publicKey.export({ format: 'der', type: 'spki' })).toEqual(keys.publicKey.export({ format: 'der', type: 'spki' }));
  });
});
