// The CA's PKCS#10 parser against requests openssl makes, and against damaged input.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decode, fromPem, int, oid, readOid } from '../../src/ca/der';
import { OID, parseCertificateRequest, RequestError } from '../../src/ca/x509';

const run = promisify(execFile);

describe('certificate request parsing', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evalroom-csr-parse-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const opensslCsr = async (name: string, keyArgs: string[]) => {
    const out = join(dir, `${name}.csr`);
    await run('openssl', ['req', '-new', ...keyArgs, '-nodes', '-keyout', join(dir, `${name}.key`), '-out', out, '-subj', '/O=evalroom/OU=room-9/CN=box-9']);
    return fromPem('CERTIFICATE REQUEST', await readFile(out, 'utf8'));
  };

  it('reads and verifies requests made by openssl (P-256, P-384, Ed25519)', async () => {
    for (const [name, args] of [
      ['p256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
      ['p384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']],
      ['ed25519', ['-newkey', 'ed25519']],
    ] as const) {
      const req = parseCertificateRequest(await opensslCsr(name, [...args]));
      expect([name, req.subject.get(OID.commonName), req.subject.get(OID.organizationalUnit)]).toEqual([name, 'box-9', 'room-9']);
      expect(req.signingTime).toBeUndefined(); // openssl adds none: the CA will refuse such a request as not fresh
    }
  });

  it('refuses RSA keys, a flipped signature bit and garbage with a reason, never a crash', async () => {
    const rsa = await opensslCsr('rsa', ['-newkey', 'rsa:2048']);
    expect(() => parseCertificateRequest(rsa)).toThrow(/key type rsa not accepted/);
    const ec = await opensslCsr('ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    const tampered = Buffer.from(ec);
    tampered[40] = tampered[40]! ^ 0x01; // inside the signed request info (the subject)
    expect(() => parseCertificateRequest(tampered)).toThrow(RequestError);
    for (let i = 0; i < 200; i++) {
      const junk = i % 2 ? randomBytes(1 + (i % 97)) : Buffer.concat([ec.subarray(0, i % ec.length), randomBytes(i % 7)]);
      let err: unknown;
      try {
        parseCertificateRequest(junk);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RequestError);
    }
  });

  it('encodes integers and OIDs canonically', () => {
    expect(int(0).toString('hex')).toBe('020100');
    expect(int(128).toString('hex')).toBe('02020080');
    expect(int(Buffer.from([0, 0, 1])).toString('hex')).toBe('020101');
    expect(oid('1.2.840.113549.1.9.5').toString('hex')).toBe('06092a864886f70d010905');
    expect(readOid(decode(oid('2.25.329800735698586629295641978511506172918')))).toBe('2.25.329800735698586629295641978511506172918');
    expect(() => decode(Buffer.from('3080', 'hex'))).toThrow(/indefinite/);
    expect(() => decode(Buffer.from('0201000000', 'hex'))).toThrow(/trailing/);
  });
});
