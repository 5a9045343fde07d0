import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { Client } from 'pg';
import type { ApplianceRegistered, ArchiveReceipt, ArchiveUploadInit, ArchiveUploadState, BundleManifest } from '@evalroom/contracts';
import { handoverDeadline, handoverPolicyFrom } from '../../src/archive/deadline';
import { seedDirectory, sessionBody, startTestCloud, type TestCloud } from '../support/cloud';

jest.setTimeout(60_000);

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A signed session bundle shaped like the edge's (one camera, two segments). */
function makeBundle(applianceId: string, sessionId: string, seed: number) {
  const key = generateKeyPairSync('ed25519');
  const seg = (n: number) => Buffer.alloc(90_000 + n * 1000, (seed * 31 + n) & 0xff);
  const segs = [seg(1), seg(2)];
  const z = '0'.repeat(64);
  const entries = segs.map((b, i) => ({
    v: 1 as const, kind: 'segment' as const, camera: 'cam1', seq: i + 1, prevLink: i === 0 ? z : 'a'.repeat(64), link: 'a'.repeat(64),
    sessionId, lotIds: ['L1'], file: `cam1/2026/11/21/cam1-${i}.ts`, start: '2026-11-21T08:00:00.000Z', end: '2026-11-21T08:00:10.000Z',
    durationMs: 10_000, size: b.length, sha256: sha(b), container: 'mpegts' as const, recovered: false,
  }));
  const manifest: BundleManifest = {
    v: 1, kind: 'evalroom-evidence-bundle', applianceId, createdAt: new Date().toISOString(), selection: { sessionId },
    sessions: [{ sessionId, lotIds: ['L1'] }], publicKeyPem: key.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: 'b'.repeat(64), cameras: [{ camera: 'cam1', entries, checkpoints: [] }],
    files: segs.map((b, i) => ({ path: `segments/cam1/cam1-${i}.ts`, camera: 'cam1', seq: i + 1, size: b.length, sha256: sha(b) })), omitted: [],
  };
  const body = Buffer.from(JSON.stringify(manifest));
  const sig = Buffer.from(sign(null, body, key.privateKey).toString('base64'));
  const files = [
    { path: 'manifest.json', data: body },
    { path: 'manifest.sig', data: sig },
    ...segs.map((b, i) => ({ path: `segments/cam1/cam1-${i}.ts`, data: b })),
  ];
  return { files, stream: Buffer.concat(files.map((f) => f.data)), manifestSha: sha(body) };
}

describe('footage archive (write-once handover)', () => {
  let cloud: TestCloud;
  let reg: ApplianceRegistered;
  let venue: string;
  let basic: string;
  let sessionOne: string;
  let sessionTwo: string;
  let otherRoomSession: string;
  const call = async <T>(method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}, auth = basic) => {
    const res = await fetch(cloud.httpUrl + path, { method, body, headers: { authorization: auth, ...headers } });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const init = (b: ReturnType<typeof makeBundle>, sessionId: string, chunkSize = 64 * 1024): ArchiveUploadInit => ({
    sessionId, applianceId: reg.applianceId, bundleSha256: b.manifestSha, totalSize: b.stream.length, chunkSize,
    files: b.files.map((f) => ({ path: f.path, size: f.data.length, sha256: sha(f.data) })), sessionEndedAt: '2026-11-20T10:00:00.000Z',
  });
  const putChunk = (uploadId: string, b: Buffer, i: number, cs = 64 * 1024, digest?: string) => {
    const data = b.subarray(i * cs, (i + 1) * cs);
    return call<ArchiveUploadState>('PUT', `/v1/archive/uploads/${uploadId}/chunks/${i}`, data, { 'content-type': 'application/octet-stream', 'x-chunk-sha256': digest ?? sha(data) });
  };

  beforeAll(async () => {
    cloud = await startTestCloud();
    const d = await seedDirectory(cloud);
    venue = d.venueA;
    reg = (await cloud.api<ApplianceRegistered>('POST', '/v1/appliances', { applianceId: `box-${d.roomA}`, roomId: d.roomA })).body;
    basic = `Basic ${Buffer.from(`${reg.applianceId}:${reg.mqtt.password}`).toString('base64')}`;
    const create = async (body: unknown) => (await cloud.api<{ sessionId: string }>('POST', '/v1/sessions', body)).body.sessionId;
    sessionOne = await create(sessionBody({ venueA: d.venueA, roomA: d.roomA }, -300, { supervisingDepartment: 'dept-a' }));
    sessionTwo = await create(sessionBody({ venueA: d.venueA, roomA: d.roomA }, -290, { projectCode: 'P-002', supervisingDepartment: 'dept-a' }));
    otherRoomSession = await create(sessionBody({ venueA: d.venueB, roomA: d.roomB }, -280, { projectCode: 'P-003' }));
  });

  afterAll(async () => {
    await cloud?.stop();
  });

  it('resumes an interrupted upload, checks every chunk, and acknowledges with a receipt stored on the cloud', async () => {
    const b = makeBundle(reg.applianceId, sessionOne, 1);
    const first = await call<ArchiveUploadState>('POST', '/v1/archive/uploads', JSON.stringify(init(b, sessionOne)), { 'content-type': 'application/json' });
    expect(first.status).toBe(201);
    const { uploadId, chunkCount } = first.body;
    expect(chunkCount).toBe(Math.ceil(b.stream.length / 65536));
    expect((await putChunk(uploadId, b.stream, 0)).body.received).toEqual([0]);
    // A corrupted chunk is refused and not stored.
    expect((await putChunk(uploadId, b.stream, 1, 65536, 'f'.repeat(64))).status).toBe(400);
    // "Connection lost": the appliance asks again and learns what the archive already holds.
    const again = await call<ArchiveUploadState>('POST', '/v1/archive/uploads', JSON.stringify(init(b, sessionOne)), { 'content-type': 'application/json' });
    expect(again.body).toMatchObject({ uploadId, received: [0], complete: false });
    expect((await call('POST', `/v1/archive/uploads/${uploadId}/complete`)).status).toBe(409);
    for (let i = 1; i < chunkCount; i++) expect((await putChunk(uploadId, b.stream, i)).status).toBe(200);
    const done = await call<ArchiveReceipt>('POST', `/v1/archive/uploads/${uploadId}/complete`);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ sessionId: sessionOne, applianceId: reg.applianceId, bundleSha256: b.manifestSha });
    // Idempotent: completing again returns the same receipt.
    expect((await call<ArchiveReceipt>('POST', `/v1/archive/uploads/${uploadId}/complete`)).body).toEqual(done.body);
    const view = await cloud.api<Array<ArchiveReceipt & { onTime: boolean }>>('GET', `/v1/archive/sessions/${sessionOne}`);
    expect(view.body).toEqual([expect.objectContaining({ archiveId: done.body.archiveId })]);
  });

  it('is write-once: no overwrite through the API, no UPDATE or DELETE in the database, no delete route', async () => {
    const other = makeBundle(reg.applianceId, sessionOne, 2);
    expect((await call('POST', '/v1/archive/uploads', JSON.stringify(init(other, sessionOne)), { 'content-type': 'application/json' })).status).toBe(409);
    const pg = new Client({ connectionString: cloud.databaseUrl });
    await pg.connect();
    await expect(pg.query(`UPDATE archive_bundles SET bundle_sha256 = 'x'`)).rejects.toThrow(/write-once/);
    await expect(pg.query(`DELETE FROM archive_bundles`)).rejects.toThrow(/write-once/);
    await pg.end();
    const del = await fetch(`${cloud.httpUrl}/v1/archive/sessions/${sessionOne}`, { method: 'DELETE', headers: { authorization: `Bearer ${cloud.adminToken}` } });
    expect(del.status).toBe(404);
  });

  it('refuses unknown appliances, forged manifests and files that differ from the manifest', async () => {
    expect((await call('POST', '/v1/archive/uploads', '{}', { 'content-type': 'application/json' }, `Basic ${Buffer.from(`${reg.applianceId}:wrong`).toString('base64')}`)).status).toBe(401);
    const b = makeBundle(reg.applianceId, sessionTwo, 3);
    b.files[0]!.data = Buffer.from(b.files[0]!.data.toString().replace('"L1"', '"L2"'));
    b.stream = Buffer.concat(b.files.map((f) => f.data));
    b.manifestSha = sha(b.files[0]!.data);
    const st = (await call<ArchiveUploadState>('POST', '/v1/archive/uploads', JSON.stringify(init(b, sessionTwo)), { 'content-type': 'application/json' })).body;
    for (let i = 0; i < st.chunkCount; i++) await putChunk(st.uploadId, b.stream, i);
    const r = await call<{ message: string }>('POST', `/v1/archive/uploads/${st.uploadId}/complete`);
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/signature invalid/);
  });

  it('takes footage only of sessions held in the appliance\'s room, and shows it only to who may see the session', async () => {
    const b = makeBundle(reg.applianceId, otherRoomSession, 9);
    expect((await call('POST', '/v1/archive/uploads', JSON.stringify(init(b, otherRoomSession)), { 'content-type': 'application/json' })).status).toBe(403);
    const unknown = makeBundle(reg.applianceId, 'S-NOT-A-SESSION', 10);
    expect((await call('POST', '/v1/archive/uploads', JSON.stringify(init(unknown, 'S-NOT-A-SESSION')), { 'content-type': 'application/json' })).status).toBe(403);

    const token = async (department: string) =>
      (await cloud.api<{ token: string }>('POST', '/v1/tokens', { role: 'supervisor', label: department, department })).body.token;
    const [deptA, deptB] = [await token('dept-a'), await token('dept-b')];
    const asSupervisor = (t: string) => call<Array<{ sessionId: string }>>('GET', `/v1/archive/sessions/${sessionOne}`, undefined, {}, `Bearer ${t}`);
    const own = await asSupervisor(deptA);
    expect(own.status).toBe(200);
    expect(own.body.map((r) => r.sessionId)).toEqual([sessionOne]);
    expect((await asSupervisor(deptB)).status).toBe(404);
    const pg = new Client({ connectionString: cloud.databaseUrl });
    await pg.connect();
    const audit = await pg.query("SELECT actor FROM audit_log WHERE action = 'footage.list' AND subject = $1", [`session:${sessionOne}`]);
    await pg.end();
    expect(audit.rows.length).toBeGreaterThanOrEqual(1);
  });

  it('tracks the handover deadline and raises an alarm when it is missed', async () => {
    // Friday 2026-11-20 18:00 China time → end of Friday 2026-11-27.
    expect(handoverDeadline(new Date('2026-11-20T10:00:00Z'), 'working_days_5').toISOString()).toBe('2026-11-27T16:00:00.000Z');
    expect(handoverDeadline(new Date('2026-11-20T10:00:00Z'), 'days_60').toISOString()).toBe('2027-01-19T10:00:00.000Z');
    // National Day 2026: 1–7 October are holidays and Saturday 10 October is a working day, so a
    // session ending on Wednesday 30 September counts 8, 9, 10 (Sat), 12, 13 October: due by the
    // end of Tuesday 13 October (Mon–Fri counting would have said Wednesday 7, mid-holiday).
    expect(handoverDeadline(new Date('2026-09-30T09:00:00Z'), 'working_days_5').toISOString()).toBe('2026-10-13T16:00:00.000Z');
    expect(handoverPolicyFrom(undefined)).toBe('working_days_5');
    expect(() => handoverPolicyFrom('5days')).toThrow(/EVALROOM_HANDOVER_POLICY/);
    const pg = new Client({ connectionString: cloud.databaseUrl });
    await pg.connect();
    const ended = new Date(Date.now() - 20 * 24 * 3600e3);
    await pg.query(
      `INSERT INTO sessions (id, project_code, project_name, lots, main_venue_id, starts_at, ends_at, check_in_opens_at, check_in_closes_at, id_hash_key)
       VALUES ('S-LATE', 'P', 'p', '[]', $1, $2, $3, $2, $2, 'k')`,
      [venue, new Date(ended.getTime() - 3600e3), ended],
    );
    await pg.end();
    const overdue = await cloud.api<Array<{ sessionId: string }>>('GET', '/v1/archive/overdue');
    expect(overdue.status).toBe(200);
    expect(overdue.body.map((o) => o.sessionId)).toContain('S-LATE');
    expect(cloud.logger.has(/ALARM footage handover overdue: session S-LATE/)).toBe(true);
  });
});
