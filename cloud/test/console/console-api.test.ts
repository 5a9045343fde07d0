import { randomUUID } from 'node:crypto';
import type { ApplianceRegistered, TokenIssued } from '@evalroom/contracts';
import { EventsService } from '../../src/events/events.service';
import { idNumber, seedDirectory, sessionBody, startTestCloud, type TestCloud } from '../support/cloud';

/** The console's static files and the list endpoints it reads, scoped per role. */
describe('console HTTP surface', () => {
  let cloud: TestCloud;
  let dir: Awaited<ReturnType<typeof seedDirectory>>;
  let boxA: string;
  let boxB: string;
  const t: Record<string, string> = {};
  const s: Record<'started' | 'future' | 'other', string> = { started: '', future: '', other: '' };

  beforeAll(async () => {
    cloud = await startTestCloud();
    dir = await seedDirectory(cloud);
    boxA = (await cloud.api<ApplianceRegistered>('POST', '/v1/appliances', { applianceId: `box-${dir.roomA}`, roomId: dir.roomA })).body.applianceId;
    boxB = (await cloud.api<ApplianceRegistered>('POST', '/v1/appliances', { applianceId: `box-${dir.roomB}`, roomId: dir.roomB })).body.applianceId;
    const issue = async (name: string, body: object) => (t[name] = (await cloud.api<TokenIssued>('POST', '/v1/tokens', { label: name, ...body })).body.token);
    await issue('ops', { role: 'central_ops' });
    await issue('opsDalian', { role: 'central_ops', jurisdiction: '2102' });
    await issue('techA', { role: 'technician', venueIds: [dir.venueA] });
    await issue('supA', { role: 'supervisor', department: 'dept-A' });
    await issue('supB', { role: 'supervisor', department: 'dept-B' });
    await issue('staffB', { role: 'venue_staff', venueIds: [dir.venueB] });
    const create = async (body: object) => (await cloud.api<{ sessionId: string }>('POST', '/v1/sessions', body)).body.sessionId;
    s.started = await create(sessionBody(dir, -5, { supervisingDepartment: 'dept-A' }));
    s.future = await create(sessionBody(dir, 30, { supervisingDepartment: 'dept-A', projectCode: 'P-FUT' }));
    s.other = await create(sessionBody({ venueA: dir.venueA, roomA: dir.roomA }, -5, { supervisingDepartment: 'dept-B', projectCode: 'P-OTHER' }));
    // a check-in rejection in room A for each dept-A session, and an incident in room A
    const events = cloud.app.get(EventsService);
    const send = (seq: number, type: string, data: object) =>
      events.onEvent(boxA, Buffer.from(JSON.stringify({ v: 1, eventId: randomUUID(), applianceId: boxA, seq, ts: new Date().toISOString(), type, data })));
    await send(1, 'checkin.rejected', { checkinId: `c-${randomUUID()}`, sessionId: s.started, outcome: 'unknown_card', reason: 'not on the roster' });
    await send(2, 'checkin.rejected', { checkinId: `c-${randomUUID()}`, sessionId: s.future, outcome: 'face_mismatch', reason: 'score 0.2' });
    await send(3, 'incident.recorded', { sessionId: s.started, description: 'power cut 3 min', handling: 'UPS held', staffId: 'st-1' });
  }, 30_000);

  afterAll(async () => {
    await cloud?.stop();
  });

  const get = <T>(path: string, who: string) => cloud.api<T>('GET', path, undefined, t[who]);

  it('serves the console publicly with a self-only CSP, and nothing outside its files', async () => {
    const redirect = await fetch(`${cloud.httpUrl}/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/console/');
    const index = await fetch(`${cloud.httpUrl}/console/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(index.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await index.text();
    expect(html).toContain('js/app.js');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const js = await fetch(`${cloud.httpUrl}/console/js/app.js`);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    for (const bad of ['/console/nope.js', '/console/%2e%2e/package.json', '/console/..%2fpackage.json', '/console/js/../../package.json']) {
      const r = await fetch(cloud.httpUrl + bad);
      expect([404]).toContain(r.status);
      expect(await r.text()).not.toContain('"name"');
    }
  });

  it('GET /v1/console/me tells the console who is signed in; no token → 401', async () => {
    expect((await cloud.api('GET', '/v1/console/me', undefined, 'bad-token-0123456789abcdef')).status).toBe(401);
    expect((await get<{ role: string; department: string }>('/v1/console/me', 'supA')).body).toMatchObject({ role: 'supervisor', department: 'dept-A' });
  });

  it('GET /v1/appliances is scoped per caller', async () => {
    const ids = async (who: string) => (await get<{ applianceId: string; roomName: string; venueName: string }[]>('/v1/appliances', who)).body.map((a) => a.applianceId).sort();
    expect(await ids('ops')).toEqual([boxA, boxB].sort());
    expect(await ids('opsDalian')).toEqual([boxB]);
    expect(await ids('techA')).toEqual([boxA]);
    const row = (await get<{ applianceId: string; roomName: string; venueName: string; online: boolean }[]>('/v1/appliances', 'techA')).body[0]!;
    expect(row).toMatchObject({ roomName: 'Room A', venueName: 'Venue A', online: false });
    expect((await get('/v1/appliances', 'supA')).status).toBe(403);
    expect((await get('/v1/appliances', 'staffB')).status).toBe(403);
  });

  it('GET /v1/sessions: a supervisor sees their department only; sealed as the view; no identity', async () => {
    const list = async (who: string) => (await get<{ sessionId: string; sealed: boolean; rosterSize: number }[]>('/v1/sessions', who)).body;
    expect((await list('supA')).map((x) => x.sessionId).sort()).toEqual([s.started, s.future].sort());
    expect((await list('supB')).map((x) => x.sessionId)).toEqual([s.other]);
    const ops = await list('ops');
    expect(ops.map((x) => x.sessionId).sort()).toEqual([s.started, s.future, s.other].sort());
    expect(ops.find((x) => x.sessionId === s.future)!.sealed).toBe(true);
    expect(ops.find((x) => x.sessionId === s.started)!.sealed).toBe(false);
    // venue staff of venue B: the sessions with a room at their venue (s.other has room A only)
    expect((await list('staffB')).map((x) => x.sessionId).sort()).toEqual([s.started, s.future].sort());
    for (const who of ['supA', 'supB', 'ops', 'staffB']) {
      const raw = JSON.stringify((await get('/v1/sessions', who)).body);
      for (const secret of ['张三', '李四', '王五', idNumber(1), idNumber(2), idNumber(3)]) expect(raw).not.toContain(secret);
      // the sealed field agrees with the single-session view of the same caller
      for (const x of await list(who)) expect((await get<{ sealed: boolean }>(`/v1/sessions/${x.sessionId}`, who)).body.sealed).toBe(x.sealed);
    }
    expect((await get('/v1/sessions', 'techA')).status).toBe(403);
  });

  it('GET /v1/sessions/:id/records: rejections and incidents only in rooms the caller may see, sealed before the start', async () => {
    type Records = { rejections: { outcome: string; roomId: string }[]; incidents: { description: string }[] };
    const started = await get<Records>(`/v1/sessions/${s.started}/records`, 'supA');
    expect(started.status).toBe(200);
    expect(started.body.rejections.map((r) => r.outcome)).toEqual(['unknown_card']);
    expect(started.body.incidents.map((r) => r.description)).toEqual(['power cut 3 min']);
    // before the start the supervising department does not learn which rooms hold the session
    expect((await get<Records>(`/v1/sessions/${s.future}/records`, 'supA')).body).toEqual({ rejections: [], incidents: [] });
    // admin sees the room before the start (assignments visible to admin only)
    expect((await cloud.api<Records>('GET', `/v1/sessions/${s.future}/records`)).body.rejections.map((r) => r.outcome)).toEqual(['face_mismatch']);
    // venue staff of B: room A's records are not theirs
    expect((await get<Records>(`/v1/sessions/${s.started}/records`, 'staffB')).body).toEqual({ rejections: [], incidents: [] });
    // another department: as if the session did not exist
    expect((await get(`/v1/sessions/${s.started}/records`, 'supB')).status).toBe(404);
  });
});
