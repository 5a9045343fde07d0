// `evalroom enroll` against the real cloud process: the appliance's key is made on the box and
// stays there (0600, never in the cloud), the cloud CA signs a certificate openssl accepts, and a
// renewal reuses the key and retires the old certificate. A technician of another venue gets nothing.
import { execFile } from 'node:child_process';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { CloudApiClient } from '../src/api-client';
import { main as enroll } from '../src/cli/enroll';
import { startService, type ServiceProcess } from '../src/processes';

jest.setTimeout(120_000);
const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');
const PG = process.env.EVALROOM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

describe('enrollment with a key made on the box and a certificate from the cloud CA', () => {
  let work: string;
  let cloud: ServiceProcess;
  let db: Client;
  let dbName: string;
  let admin: CloudApiClient;
  let techFile: string;
  let otherTechFile: string;
  const adminToken = randomBytes(24).toString('base64url');
  const p = randomBytes(3).toString('hex');
  const roomId = `room-${p}`;
  const applianceId = `${roomId}-box`;
  const stdout: string[] = [];
  let writeSpy: jest.SpyInstance;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'evalroom-enroll-'));
    dbName = `evalroom_test_${randomBytes(6).toString('hex')}`;
    const a = new Client({ connectionString: PG });
    await a.connect();
    await a.query(`CREATE DATABASE ${dbName}`);
    await a.end();
    const url = new URL(PG);
    url.pathname = `/${dbName}`;
    const { MQTT_URL: _external, EVALROOM_CA_KEY_FILE: _k, EVALROOM_CA_CERT_FILE: _c, ...inherited } = process.env;
    cloud = await startService({
      name: 'cloud',
      command: process.execPath,
      args: [path.join(root, 'cloud/dist/main.js')],
      env: { ...inherited, HOST: '127.0.0.1', PORT: '0', CLOUD_MQTT_PORT: '0', DATABASE_URL: url.toString(), EVALROOM_ADMIN_TOKEN: adminToken, EVALROOM_CLOUD_DATA_DIR: path.join(work, 'cloud') },
      readyTimeoutMs: 60_000,
    });
    db = new Client({ connectionString: url.toString() });
    await db.connect();
    admin = new CloudApiClient(cloud.endpoints.http!, adminToken);
    await admin.request('POST', '/v1/trading-centers', { id: `tc-${p}`, name: 'Shenyang', level: 'city', regionCode: '2101' });
    await admin.request('POST', '/v1/trading-centers', { id: `tc2-${p}`, name: 'Dalian', level: 'city', regionCode: '2102' });
    await admin.request('POST', '/v1/venues', { id: `v-${p}`, tradingCenterId: `tc-${p}`, name: 'Venue' });
    await admin.request('POST', '/v1/venues', { id: `v2-${p}`, tradingCenterId: `tc2-${p}`, name: 'Other venue' });
    await admin.request('POST', '/v1/rooms', { id: roomId, venueId: `v-${p}`, name: 'Room 3', workstations: [{ code: 'A1' }] });
    const tech = await admin.request<never>('POST', '/v1/tokens', { role: 'technician', label: 'installer', venueIds: [`v-${p}`] });
    const other = await admin.request<never>('POST', '/v1/tokens', { role: 'technician', label: 'elsewhere', venueIds: [`v2-${p}`] });
    techFile = path.join(work, 'tech-token');
    otherTechFile = path.join(work, 'other-token');
    await writeFile(techFile, (tech as { token: string }).token, { mode: 0o600 });
    await writeFile(otherTechFile, (other as { token: string }).token, { mode: 0o600 });
    writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(String(chunk));
      return true;
    });
  });
  afterAll(async () => {
    writeSpy?.mockRestore();
    await db?.end();
    await cloud?.stop();
    const a = new Client({ connectionString: PG });
    await a.connect();
    await a.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await a.end();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const dataDir = () => path.join(work, 'appliance');
  const secret = (f: string) => path.join(dataDir(), 'secrets', f);
  const args = (tokenFile: string, ...extra: string[]) => ['--cloud', cloud.endpoints.http!, '--appliance', applianceId, '--room', roomId, '--data-dir', dataDir(), '--token-file', tokenFile, ...extra];

  it('refuses a technician of another venue and writes no key material it would have to trust', async () => {
    expect(await enroll(args(otherTechFile))).toBe(1);
    await expect(stat(secret('appliance-cert.pem'))).rejects.toThrow();
  });

  let firstSerial: string;
  it('enrolls: MQTT credentials, a private key 0600 that never left the box, and a certificate openssl verifies', async () => {
    expect(await enroll(args(techFile))).toBe(0);
    expect(stdout.join('')).toMatch(new RegExp(`enrolled ${applianceId}: config .*edge.json`));
    expect((await stat(path.join(dataDir(), 'secrets'))).mode & 0o777).toBe(0o700);
    expect((await stat(secret('appliance-key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(secret('cloud.json'))).mode & 0o777).toBe(0o600);
    const keyPem = await readFile(secret('appliance-key.pem'), 'utf8');
    const key = createPrivateKey(keyPem);
    expect(key.asymmetricKeyType).toBe('ec');
    const cert = new X509Certificate(await readFile(secret('appliance-cert.pem')));
    expect(cert.checkPrivateKey(key)).toBe(true);
    expect(cert.subjectAltName).toBe(`URI:urn:evalroom:appliance:${applianceId}`);
    // the CA certificate handed to the box is the cloud's own
    expect(await readFile(secret('ca.pem'), 'utf8')).toBe(await readFile(path.join(work, 'cloud', 'ca', 'ca.pem'), 'utf8'));
    const v = await run('openssl', ['verify', '-CAfile', secret('ca.pem'), '-purpose', 'sslclient', secret('appliance-cert.pem')]);
    expect(v.stdout.trim()).toBe(`${secret('appliance-cert.pem')}: OK`);

    // the cloud holds the certificate, not the key: no trace of the private key in its database or data dir
    const keyBody = keyPem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    const dump = (await db.query(`SELECT (SELECT json_agg(c) FROM appliance_certificates c)::text || (SELECT json_agg(a) FROM audit_log a)::text AS t`)).rows[0].t as string;
    expect(dump).toContain(applianceId);
    expect(dump.replace(/\\n/g, '')).not.toContain(keyBody.slice(0, 40));
    const rows = (await db.query(`SELECT serial, revoked_at FROM appliance_certificates WHERE appliance_id = $1`, [applianceId])).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0].serial).toBe(cert.serialNumber.toLowerCase());
    firstSerial = rows[0].serial;
    const audit = (await db.query(`SELECT action FROM audit_log WHERE subject = $1 ORDER BY id`, [`appliance:${applianceId}`])).rows.map((r) => r.action);
    expect(audit).toEqual(['appliance.register', 'appliance.certificate.issue']);
  });

  it('renews the certificate for the same key and retires the old one', async () => {
    const keyBefore = await readFile(secret('appliance-key.pem'), 'utf8');
    expect(await enroll(args(techFile, '--renew-certificate'))).toBe(0);
    expect(await readFile(secret('appliance-key.pem'), 'utf8')).toBe(keyBefore);
    const cert = new X509Certificate(await readFile(secret('appliance-cert.pem')));
    expect(cert.serialNumber.toLowerCase()).not.toBe(firstSerial);
    expect(cert.checkPrivateKey(createPrivateKey(keyBefore))).toBe(true);
    const old = (await db.query(`SELECT revoke_reason FROM appliance_certificates WHERE serial = $1`, [firstSerial])).rows[0];
    expect(old.revoke_reason).toBe('superseded');
    // --new-key: a fresh key pair, made on the box again
    expect(await enroll(args(techFile, '--renew-certificate', '--new-key'))).toBe(0);
    expect(await readFile(secret('appliance-key.pem'), 'utf8')).not.toBe(keyBefore);
    expect((await stat(secret('appliance-key.pem'))).mode & 0o777).toBe(0o600);
  });
});
