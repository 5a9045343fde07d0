// The appliance CA through the public HTTP API: a request made with the appliance's own key is
// signed into a client certificate that openssl accepts; wrong keys, wrong identities, stale
// requests and technicians of other venues are refused; issuance and revocation are recorded.
import { execFile } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { buildCertificateRequest } from '../../../provisioning/src/keys/csr';
import type { CertificateIssued } from '@evalroom/contracts';
import { seedDirectory, startTestCloud, type TestCloud } from '../support/cloud';

const run = promisify(execFile);

describe('appliance CA', () => {
  let cloud: TestCloud;
  let db: Client;
  let work: string;
  let dir: Awaited<ReturnType<typeof seedDirectory>>;
  let techA: string;
  let techB: string;
  const applianceId = `box-${Date.now().toString(36)}`;
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const csr = (over: Partial<Parameters<typeof buildCertificateRequest>[0]> = {}) =>
    buildCertificateRequest({ applianceId, roomId: dir.roomA, publicKey: keys.publicKey, signingKey: keys.privateKey, ...over }).pem;
  const token = async (role: string, venueIds: string[]) => {
    const r = await cloud.api<{ token: string }>('POST', '/v1/tokens', { role, label: `${role} test`, venueIds });
    expect(r.status).toBe(201);
    return r.body.token;
  };
  const audit = async (action: string) =>
    (await db.query<{ actor: string; subject: string; detail: Record<string, unknown> }>(`SELECT actor, subject, detail FROM audit_log WHERE action = $1 ORDER BY id`, [action])).rows;

  beforeAll(async () => {
    cloud = await startTestCloud();
    db = new Client({ connectionString: cloud.databaseUrl });
    await db.connect();
    work = await mkdtemp(join(tmpdir(), 'evalroom-ca-'));
    dir = await seedDirectory(cloud);
    expect((await cloud.api('POST', '/v1/appliances', { applianceId, roomId: dir.roomA })).status).toBe(201);
    techA = await token('technician', [dir.venueA]);
    techB = await token('technician', [dir.venueB]);
  });
  afterAll(async () => {
    await db?.end();
    await cloud?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('generates its CA key on first boot into the data dir, readable by the owner only', async () => {
    const st = await stat(join(cloud.config.dataDir, 'ca', 'ca-key.pem'));
    expect(st.mode & 0o777).toBe(0o600);
    const ca = new X509Certificate(await import('node:fs').then((fs) => fs.readFileSync(join(cloud.config.dataDir, 'ca', 'ca.pem'))));
    expect(ca.ca).toBe(true);
  });

  let first: CertificateIssued;
  it('issues a client certificate that openssl verifies against the CA, with the right CN, SAN, key usage and EKU', async () => {
    const r = await cloud.api<CertificateIssued>('POST', `/v1/appliances/${applianceId}/certificate`, { csr: csr() }, techA);
    expect(r.status).toBe(201);
    first = r.body;
    const certFile = join(work, 'cert.pem');
    const caFile = join(work, 'ca.pem');
    await writeFile(certFile, r.body.certificate);
    await writeFile(caFile, r.body.caCertificate);
    const verified = await run('openssl', ['verify', '-CAfile', caFile, '-purpose', 'sslclient', certFile]);
    expect(verified.stdout.trim()).toBe(`${certFile}: OK`);
    // as a server certificate it must not pass: clientAuth only
    await expect(run('openssl', ['verify', '-CAfile', caFile, '-purpose', 'sslserver', certFile])).rejects.toThrow();

    const cert = new X509Certificate(r.body.certificate);
    expect(cert.subject.split('\n')).toEqual(['O=evalroom', `OU=${dir.roomA}`, `CN=${applianceId}`]);
    expect(cert.subjectAltName).toBe(`URI:urn:evalroom:appliance:${applianceId}`);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']); // node reports the extended key usage here
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(new X509Certificate(r.body.caCertificate))).toBe(true);
    expect(cert.publicKey.export({ format: 'der', type: 'spki' })).toEqual(keys.publicKey.export({ format: 'der', type: 'spki' }));
    expect(cert.serialNumber.toLowerCase()).toBe(r.body.serial);
    expect(cert.fingerprint256.replace(/:/g, '').toLowerCase()).toBe(r.body.fingerprintSha256);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(365);
    expect(r.body.chain).toEqual([r.body.certificate, r.body.caCertificate]);

    const text = (await run('openssl', ['x509', '-in', certFile, '-noout', '-text'])).stdout;
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\s/);
    expect(text).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Client Authentication\s/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Version: 3 \(0x2\)/);

    const rows = (await db.query(`SELECT serial, appliance_id, fingerprint_sha256, not_after, revoked_at FROM appliance_certificates WHERE appliance_id = $1`, [applianceId])).rows;
    expect(rows).toEqual([{ serial: r.body.serial, appliance_id: applianceId, fingerprint_sha256: r.body.fingerprintSha256, not_after: new Date(r.body.notAfter), revoked_at: null }]);
    const issued = await audit('appliance.certificate.issue');
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({ subject: `appliance:${applianceId}`, detail: { serial: r.body.serial, superseded: [] } });
    expect(issued[0]!.actor).toMatch(/^technician:/);
  });

  it('refuses a request signed with another key than the one it carries (no proof of possession)', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const r = await cloud.api<{ message: string }>('POST', `/v1/appliances/${applianceId}/certificate`, { csr: csr({ signingKey: other.privateKey }) }, techA);
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/proof of possession/);
  });

  it('refuses a request naming another appliance or room, or signed long ago', async () => {
    const wrongCn = await cloud.api<{ message: string }>('POST', `/v1/appliances/${applianceId}/certificate`, { csr: csr({ applianceId: 'someone-else' }) }, techA);
    expect([wrongCn.status, wrongCn.body.message]).toEqual([400, expect.stringMatching(/CN "someone-else" is not appliance/)]);
    const wrongRoom = await cloud.api<{ message: string }>('POST', `/v1/appliances/${applianceId}/certificate`, { csr: csr({ roomId: dir.roomB }) }, techA);
    expect([wrongRoom.status, wrongRoom.body.message]).toEqual([400, expect.stringMatching(/OU .* is not the appliance's room/)]);
    const stale = await cloud.api<{ message: string }>('POST', `/v1/appliances/${applianceId}/certificate`, { csr: csr({ signingTime: new Date(Date.now() - 3_600_000) }) }, techA);
    expect([stale.status, stale.body.message]).toEqual([400, expect.stringMatching(/not within 10 min/)]);
    const garbage = await cloud.api<{ message: string }>('POST', `/v1/appliances/${applianceId}/certificate`, { csr: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n' }, techA);
    expect([garbage.status, garbage.body.message]).toEqual([400, expect.stringMatching(/malformed request/)]);
    const unknown = await cloud.api('POST', `/v1/appliances/no-such-box/certificate`, { csr: csr() }, techA);
    expect(unknown.status).toBe(404);
    expect(await audit('appliance.certificate.issue')).toHaveLength(1);
  });

  it('refuses a technician of another venue, and a technician revoking', async () => {
    const r = await cloud.api('POST', `/v1/appliances/${applianceId}/certificate`, { csr: csr() }, techB);
    expect(r.status).toBe(403);
    const rv = await cloud.api('POST', `/v1/appliances/${applianceId}/certificate/revoke`, { reason: 'x' }, techA);
    expect(rv.status).toBe(403);
    expect((await db.query(`SELECT count(*)::int AS n FROM appliance_certificates WHERE revoked_at IS NOT NULL`)).rows[0].n).toBe(0);
  });

  it('a new certificate supersedes the old one; an admin revokes, recorded and audited', async () => {
    const second = await cloud.api<CertificateIssued>('POST', `/v1/appliances/${applianceId}/certificate`, { csr: csr() });
    expect(second.status).toBe(201);
    expect(second.body.serial).not.toBe(first.serial);
    const old = (await db.query(`SELECT revoked_at, revoke_reason FROM appliance_certificates WHERE serial = $1`, [first.serial])).rows[0];
    expect(old.revoke_reason).toBe('superseded');
    expect(old.revoked_at).toBeInstanceOf(Date);
    expect((await audit('appliance.certificate.issue'))[1]!.detail).toMatchObject({ serial: second.body.serial, superseded: [first.serial] });

    const r = await cloud.api<{ applianceId: string; revoked: { serial: string }[] }>('POST', `/v1/appliances/${applianceId}/certificate/revoke`, { reason: 'box stolen' });
    expect(r.status).toBe(200);
    expect(r.body.revoked.map((x) => x.serial)).toEqual([second.body.serial]);
    const row = (await db.query(`SELECT revoked_by, revoke_reason FROM appliance_certificates WHERE serial = $1`, [second.body.serial])).rows[0];
    expect(row).toEqual({ revoked_by: 'admin:bootstrap-admin', revoke_reason: 'box stolen' });
    const revoked = await audit('appliance.certificate.revoke');
    expect(revoked).toEqual([{ actor: 'admin:bootstrap-admin', subject: `appliance:${applianceId}`, detail: { serials: [second.body.serial], reason: 'box stolen' } }]);
    // revoking a serial that is no longer valid is a 404 and audits nothing
    const again = await cloud.api('POST', `/v1/appliances/${applianceId}/certificate/revoke`, { serial: second.body.serial, reason: 'again' });
    expect(again.status).toBe(404);
    expect(await audit('appliance.certificate.revoke')).toHaveLength(1);

    const list = await cloud.api<Array<{ serial: string; revokedAt: string | null; revokeReason: string | null }>>('GET', `/v1/appliances/${applianceId}/certificates`, undefined, techA);
    expect(list.body.map((c) => [c.serial, c.revokeReason])).toEqual([
      [second.body.serial, 'box stolen'],
      [first.serial, 'superseded'],
    ]);
  });
});
