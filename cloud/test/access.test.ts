import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { MqttClient } from 'mqtt';
import { cloudTopics, type ApplianceRegistered, type DesiredState, type EventAck, type SessionView, type SigninView, type TokenIssued } from '@evalroom/contracts';
import { idNumber, seedDirectory, sessionBody, startTestCloud, type TestCloud } from './support/cloud';
import { eventually, mqttClient, type Inbox } from './support/mqtt';

/** Each role sees only what it may; sealed identities never appear for roles that may not see them. */
describe('access control and sealing', () => {
  let cloud: TestCloud;
  let dir: Awaited<ReturnType<typeof seedDirectory>>;
  let box: { client: MqttClient; inbox: Inbox };
  let reg: ApplianceRegistered;
  let started: string;
  let sealed: string;
  const tokens: Record<string, TokenIssued> = {};
  const NAMES = ['张三', '李四', '王五'];
  const IDS = [idNumber(1), idNumber(2), idNumber(3)];

  const as = (who: string) => tokens[who]!.token;
  const containsIdentity = (body: unknown, which: number[]) => which.some((i) => JSON.stringify(body).includes(NAMES[i]!) || JSON.stringify(body).includes(IDS[i]!));

  beforeAll(async () => {
    cloud = await startTestCloud();
    dir = await seedDirectory(cloud);
    const issue = async (who: string, body: object) => {
      const r = await cloud.api<TokenIssued>('POST', '/v1/tokens', { label: who, ...body });
      if (r.status !== 201) throw new Error(JSON.stringify(r.body));
      tokens[who] = r.body;
    };
    await issue('staffA', { role: 'venue_staff', venueIds: [dir.venueA] });
    await issue('staffB', { role: 'venue_staff', venueIds: [dir.venueB] });
    await issue('ops2101', { role: 'central_ops', jurisdiction: '2101' });
    await issue('sup1', { role: 'supervisor', department: 'dept-1' });
    await issue('sup2', { role: 'supervisor', department: 'dept-2' });
    await issue('tech', { role: 'technician', venueIds: [dir.venueA] });

    reg = (await cloud.api<ApplianceRegistered>('POST', '/v1/appliances', { applianceId: `box-${dir.roomA}`, roomId: dir.roomA })).body;
    box = await mqttClient(reg.mqtt.url, { clientId: reg.applianceId, username: reg.applianceId, password: reg.mqtt.password });
    await box.client.subscribeAsync([cloudTopics.appliance(reg.applianceId, 'desired'), cloudTopics.appliance(reg.applianceId, 'acks')], { qos: 1 });

    started = (await cloud.api<{ sessionId: string }>('POST', '/v1/sessions', sessionBody(dir, -5, { supervisingDepartment: 'dept-1' }))).body.sessionId;
    sealed = (await cloud.api<{ sessionId: string }>('POST', '/v1/sessions', sessionBody(dir, 120, { supervisingDepartment: 'dept-1' }))).body.sessionId;

    // expert 1 (张三) passes the door of room A in both sessions
    const doc = await box.inbox.waitFor<DesiredState>(cloudTopics.appliance(reg.applianceId, 'desired'), (d) => d.sessions.length === 2);
    for (const s of doc.sessions) {
      const ref = s.roster.find((r) => r.workstation === 'A1')!.expertRef;
      const eventId = randomUUID();
      const ev = { v: 1, eventId, applianceId: reg.applianceId, seq: 1, ts: new Date().toISOString(), type: 'checkin.admitted', data: { checkinId: `c-${eventId}`, sessionId: s.sessionId, expertRef: ref, arrivedAt: new Date().toISOString(), method: 'face' } };
      await box.client.publishAsync(cloudTopics.appliance(reg.applianceId, 'events'), JSON.stringify(ev), { qos: 1 });
      await box.inbox.waitFor<EventAck>(cloudTopics.appliance(reg.applianceId, 'acks'), (a) => a.eventIds.includes(eventId));
    }
  }, 30_000);

  afterAll(async () => {
    await box?.client.endAsync();
    await cloud?.stop();
  });

  const view = (who: string | null, id: string) => cloud.api<SessionView>('GET', `/v1/sessions/${id}`, undefined, who ? as(who) : 'x'.repeat(20));
  const rosterOf = (v: SessionView) => (v.assignments ?? []).flatMap((a) => a.roster);

  it('denies callers without a valid token or an allowed role', async () => {
    expect((await view(null, started)).status).toBe(401);
    expect((await cloud.api('GET', `/v1/sessions/${started}`, undefined, undefined)).status).toBe(200);
    expect((await view('tech', started)).status).toBe(403);
    expect((await cloud.api('POST', '/v1/tokens', { role: 'admin', label: 'x' }, as('ops2101'))).status).toBe(403);
    expect((await cloud.api('POST', '/v1/sessions', sessionBody(dir, 10), as('staffA'))).status).toBe(403);
  });

  it('after the start: admin and the supervising department see identities, audited', async () => {
    const admin = await cloud.api<SessionView>('GET', `/v1/sessions/${started}`);
    expect(admin.body.sealed).toBe(false);
    expect(rosterOf(admin.body).map((e) => e.identity?.name).sort()).toEqual([...NAMES].sort());
    const sup = await view('sup1', started);
    expect(rosterOf(sup.body)).toHaveLength(3);
    expect(containsIdentity(sup.body, [0, 1, 2])).toBe(true);
    expect((await view('sup2', started)).status).toBe(404);
    const pg = new Client({ connectionString: cloud.databaseUrl });
    await pg.connect();
    const audit = await pg.query(`SELECT actor, detail FROM audit_log WHERE action = 'identity.decrypt' AND subject = $1`, [`session:${started}`]);
    await pg.end();
    expect(audit.rows.some((r) => r.actor === `supervisor:${tokens.sup1!.tokenId}` && r.detail.expertRefs.length === 3)).toBe(true);
  });

  it('venue staff see only their rooms and only identities admitted at their door', async () => {
    const a = await view('staffA', started);
    expect(a.status).toBe(200);
    expect(a.body.assignments!.map((x) => x.roomId)).toEqual([dir.roomA]);
    const entries = rosterOf(a.body);
    expect(entries).toHaveLength(2);
    expect(entries.filter((e) => e.identity).map((e) => e.identity!.name)).toEqual(['张三']);
    expect(containsIdentity(a.body, [1, 2])).toBe(false);
    expect(JSON.stringify(a.body)).not.toContain(dir.roomB);

    const b = await view('staffB', started);
    expect(b.status).toBe(200);
    expect(b.body.assignments!.map((x) => x.roomId)).toEqual([dir.roomB]);
    expect(containsIdentity(b.body, [0, 1, 2])).toBe(false);
    expect(JSON.stringify(b.body)).not.toContain(dir.roomA);
  });

  it('central ops see their region without any identity', async () => {
    const o = await view('ops2101', started);
    expect(o.status).toBe(200);
    expect(o.body.assignments!.map((x) => x.roomId)).toEqual([dir.roomA]);
    expect(containsIdentity(o.body, [0, 1, 2])).toBe(false);
    const s = await cloud.api<SigninView[]>('GET', `/v1/sessions/${started}/signins`, undefined, as('ops2101'));
    expect(s.body).toHaveLength(1);
    expect(s.body[0]!.name).toBeUndefined();
  });

  it('before the start the assignments are sealed for everyone but admin, and no identity leaves', async () => {
    const admin = await cloud.api<SessionView>('GET', `/v1/sessions/${sealed}`);
    expect(admin.body.sealed).toBe(true);
    expect(rosterOf(admin.body)).toHaveLength(3);
    expect(containsIdentity(admin.body, [0, 1, 2])).toBe(false);
    for (const who of ['sup1', 'ops2101', 'staffB']) {
      const r = await view(who, sealed);
      expect(r.status).toBe(200);
      expect(r.body.assignments).toBeUndefined();
      expect(containsIdentity(r.body, [0, 1, 2])).toBe(false);
      expect(JSON.stringify(r.body)).not.toContain(dir.roomB);
    }
    // venue staff of room A: only the expert who already passed their door
    const a = await view('staffA', sealed);
    expect(rosterOf(a.body).map((e) => e.identity?.name)).toEqual(['张三']);
    expect(containsIdentity(a.body, [1, 2])).toBe(false);
    const signins = await cloud.api<SigninView[]>('GET', `/v1/sessions/${sealed}/signins`, undefined, as('staffA'));
    expect(signins.body.map((x) => x.name)).toEqual(['张三']);
    expect((await cloud.api<SigninView[]>('GET', `/v1/sessions/${sealed}/signins`, undefined, as('staffB'))).body).toEqual([]);
  });

  it('event and appliance reads are scoped for technicians', async () => {
    const ok = await cloud.api('GET', `/v1/appliances/${reg.applianceId}`, undefined, as('tech'));
    expect(ok.status).toBe(200);
    const ev = await cloud.api<{ data: unknown }[]>('GET', `/v1/events?type=checkin.admitted`, undefined, as('tech'));
    expect(ev.body.length).toBe(2);
    expect(containsIdentity(ev.body, [0, 1, 2])).toBe(false);
    expect((await cloud.api('GET', `/v1/events`, undefined, as('staffA'))).status).toBe(403);
    // a technician registers appliances only in rooms of their venues
    expect((await cloud.api('POST', '/v1/appliances', { applianceId: `t-${dir.roomB}`, roomId: dir.roomB }, as('tech'))).status).toBe(403);
    expect((await cloud.api('POST', '/v1/appliances', { applianceId: `t-${dir.roomA}`, roomId: dir.roomA }, as('tech'))).status).toBe(201);
  });

  it('validates request bodies with clear 400 messages and documents them in OpenAPI', async () => {
    const at = new Date().toISOString();
    const bad = await cloud.api<{ message: string }>('POST', '/v1/sessions', { ...sessionBody(dir, 10), endsAt: at, startsAt: at });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/endsAt: endsAt must be after startsAt/);
    const missing = await cloud.api<{ message: string }>('POST', '/v1/sessions', { projectCode: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toMatch(/projectName/);
    const idBad = await cloud.api<{ message: string }>('POST', '/v1/sessions', sessionBody(dir, 10, { assignments: [{ roomId: dir.roomA, experts: [{ name: 'x', idNumber: '123' }] }] }));
    expect(idBad.body.message).toMatch(/assignments\.0\.experts\.0\.idNumber/);
    const extra = await cloud.api<{ message: string }>('POST', '/v1/appliances', { applianceId: 'x1', roomId: dir.roomA, admin: true });
    expect(extra.status).toBe(400);
    expect(extra.body.message).toMatch(/admin/);
    const notJson = await cloud.api('POST', '/v1/venues', '{"id":', undefined);
    expect(notJson.status).toBe(400);
    const unknownRoom = await cloud.api<{ message: string }>('POST', '/v1/appliances', { applianceId: 'x2', roomId: 'nope' });
    expect(unknownRoom.status).toBe(400);
    const q = await cloud.api<{ message: string }>('GET', `/v1/telemetry?applianceId=${reg.applianceId}&metric=cpu&from=yesterday&to=${at}`);
    expect(q.status).toBe(400);
    expect(q.body.message).toMatch(/from/);

    const doc = (await (await fetch(`${cloud.httpUrl}/api/docs-json`)).json()) as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: object } }> } }>> };
    expect(Object.keys(doc.paths['/v1/sessions']!.post!.requestBody!.content['application/json']!.schema.properties)).toContain('assignments');
    expect(doc.paths['/v1/telemetry']).toBeDefined();
  });
});
