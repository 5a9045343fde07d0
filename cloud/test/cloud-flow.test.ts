import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { cloudTopics, idNumberHash, type ApplianceRegistered, type DesiredState, type EventAck } from '@evalroom/contracts';
import { idNumber, seedDirectory, sessionBody, startTestCloud, type TestCloud } from './support/cloud';
import { eventually, mqttClient, sleep, type Inbox } from './support/mqtt';
import type { MqttClient } from 'mqtt';

/** Whole first path against the embedded aedes broker and a real PostgreSQL database. */
describe('cloud with the embedded broker', () => {
  let cloud: TestCloud;
  let dir: Awaited<ReturnType<typeof seedDirectory>>;
  let regA: ApplianceRegistered;
  let regB: ApplianceRegistered;
  let a: { client: MqttClient; inbox: Inbox };
  let b: { client: MqttClient; inbox: Inbox };
  let pg: Client;

  beforeAll(async () => {
    cloud = await startTestCloud();
    dir = await seedDirectory(cloud);
    regA = (await cloud.api<ApplianceRegistered>('POST', '/v1/appliances', { applianceId: `box-a-${dir.roomA}`, roomId: dir.roomA })).body;
    regB = (await cloud.api<ApplianceRegistered>('POST', '/v1/appliances', { applianceId: `box-b-${dir.roomB}`, roomId: dir.roomB })).body;
    const as = (r: ApplianceRegistered) => ({ clientId: r.mqtt.clientId, username: r.mqtt.username, password: r.mqtt.password });
    a = await mqttClient(regA.mqtt.url, as(regA));
    b = await mqttClient(regB.mqtt.url, as(regB));
    await a.client.subscribeAsync([cloudTopics.appliance(regA.applianceId, 'desired'), cloudTopics.appliance(regA.applianceId, 'acks')], { qos: 1 });
    await b.client.subscribeAsync([cloudTopics.appliance(regB.applianceId, 'desired'), cloudTopics.appliance(regB.applianceId, 'acks')], { qos: 1 });
    pg = new Client({ connectionString: cloud.databaseUrl });
    await pg.connect();
  }, 30_000);

  afterAll(async () => {
    await a?.client.endAsync();
    await b?.client.endAsync();
    await pg?.end();
    await cloud?.stop();
  });

  it('registration hands out credentials once and stores only a scrypt hash', async () => {
    expect(regA.mqtt.url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    const row = await pg.query('SELECT secret_hash FROM appliances WHERE id = $1', [regA.applianceId]);
    expect(row.rows[0].secret_hash).toMatch(/^scrypt\$/);
    expect(row.rows[0].secret_hash).not.toContain(regA.mqtt.password);
    const again = await cloud.api('POST', '/v1/appliances', { applianceId: regA.applianceId, roomId: dir.roomA });
    expect(again.status).toBe(409);
  });

  it('publishes the session to the appliance of its room only', async () => {
    const created = await cloud.api<{ sessionId: string }>('POST', '/v1/sessions', sessionBody({ venueA: dir.venueA, roomA: dir.roomA }, 60));
    expect(created.status).toBe(201);
    const sessionId = created.body.sessionId;
    const desiredA = cloudTopics.appliance(regA.applianceId, 'desired');
    const doc = await a.inbox.waitFor<DesiredState>(desiredA, (d) => d.sessions.some((s) => s.sessionId === sessionId));
    const s = doc.sessions.find((x) => x.sessionId === sessionId)!;
    expect(doc.roomId).toBe(dir.roomA);
    expect(s.roster).toHaveLength(2);
    expect(s.roster.map((r) => r.idHash).sort()).toEqual([idNumberHash(idNumber(1), s.idHashKey), idNumberHash(idNumber(2), s.idHashKey)].sort());
    expect(JSON.stringify(doc)).not.toContain('张三');
    // versions only grow
    const versions = a.inbox.json<DesiredState>(desiredA).map((d) => d.version);
    expect([...versions].sort((x, y) => x - y)).toEqual(versions);
    await sleep(300);
    const desiredB = cloudTopics.appliance(regB.applianceId, 'desired');
    expect(b.inbox.json<DesiredState>(desiredB).length).toBeGreaterThan(0);
    expect(b.inbox.json<DesiredState>(desiredB).every((d) => d.sessions.length === 0)).toBe(true);
  });

  it('stores a sign-in exactly once under redelivery and acks every delivery', async () => {
    const created = await cloud.api<{ sessionId: string }>('POST', '/v1/sessions', sessionBody(dir, -5));
    const sessionId = created.body.sessionId;
    const doc = await a.inbox.waitFor<DesiredState>(cloudTopics.appliance(regA.applianceId, 'desired'), (d) => d.sessions.some((s) => s.sessionId === sessionId));
    const expertRef = doc.sessions.find((s) => s.sessionId === sessionId)!.roster[0]!.expertRef;
    const eventId = randomUUID();
    const event = {
      v: 1,
      eventId,
      applianceId: regA.applianceId,
      seq: 7,
      ts: new Date().toISOString(),
      type: 'checkin.admitted',
      data: { checkinId: `c-${eventId}`, sessionId, expertRef, arrivedAt: new Date().toISOString(), method: 'face', workstation: 'A1' },
    };
    const topic = cloudTopics.appliance(regA.applianceId, 'events');
    await a.client.publishAsync(topic, JSON.stringify(event), { qos: 1 });
    await a.client.publishAsync(topic, JSON.stringify(event), { qos: 1 });
    await Promise.all([a.client.publishAsync(topic, JSON.stringify(event), { qos: 1 }), a.client.publishAsync(topic, JSON.stringify(event), { qos: 1 })]);
    const acks = cloudTopics.appliance(regA.applianceId, 'acks');
    await eventually(async () => a.inbox.json<EventAck>(acks).filter((x) => x.eventIds.includes(eventId)).length === 4);
    const rows = await pg.query('SELECT count(*)::int AS n FROM signins WHERE session_id = $1', [sessionId]);
    expect(rows.rows[0].n).toBe(1);
    const ev = await pg.query('SELECT count(*)::int AS n FROM appliance_events WHERE event_id = $1', [eventId]);
    expect(ev.rows[0].n).toBe(1);
    const signins = await cloud.api<{ expertRef: string; arrivedAt: string; name?: string }[]>('GET', `/v1/sessions/${sessionId}/signins`);
    expect(signins.body).toHaveLength(1);
    expect(signins.body[0]!.expertRef).toBe(expertRef);
    const events = await cloud.api<{ eventId: string }[]>('GET', `/v1/events?applianceId=${regA.applianceId}&type=checkin.admitted`);
    expect(events.body.map((e) => e.eventId)).toContain(eventId);
  });

  it('records reported state on the appliance', async () => {
    const state = { v: 1, applianceId: regA.applianceId, online: true, ts: new Date().toISOString(), appliedVersion: 1, firmware: 'edge 0.1' };
    // counted before the report: the republication may arrive before the firmware is visible
    const desired = cloudTopics.appliance(regA.applianceId, 'desired');
    const before = a.inbox.json(desired).length;
    await a.client.publishAsync(cloudTopics.appliance(regA.applianceId, 'reported'), JSON.stringify(state), { qos: 1, retain: true });
    const view = await eventually(async () => {
      const r = await cloud.api<{ online: boolean; firmware: string | null; appliedVersion: number | null; lastSeen: string | null }>('GET', `/v1/appliances/${regA.applianceId}`);
      return r.body.firmware === 'edge 0.1' ? r.body : undefined;
    });
    expect(view.online).toBe(true);
    expect(view.lastSeen).not.toBeNull();
    // appliedVersion 1 < desired → the cloud republishes the desired state
    await eventually(async () => a.inbox.json(desired).length > before);
  });

  it('rejects malformed payloads on every subscribed topic with a logged reason and no rows', async () => {
    const count = async () =>
      (await pg.query(`SELECT (SELECT count(*) FROM appliance_events) + (SELECT count(*) FROM signins) + (SELECT count(*) FROM telemetry) AS n`)).rows[0].n;
    const before = await count();
    const firmwareBefore = (await pg.query('SELECT firmware FROM appliances WHERE id = $1', [regA.applianceId])).rows[0].firmware;
    const t = (c: 'events' | 'reported' | 'telemetry') => cloudTopics.appliance(regA.applianceId, c);
    await a.client.publishAsync(t('events'), 'not json{', { qos: 1 });
    await a.client.publishAsync(t('events'), JSON.stringify({ v: 1, eventId: 'nope', type: 'checkin.admitted' }), { qos: 1 });
    await a.client.publishAsync(t('events'), JSON.stringify({ v: 1, eventId: randomUUID(), applianceId: regB.applianceId, seq: 1, ts: new Date().toISOString(), type: 'alarm.cleared', data: { alarm: 'x', source: 'y' } }), { qos: 1 });
    await a.client.publishAsync(t('reported'), JSON.stringify({ v: 1, applianceId: regA.applianceId, online: 'yes' }), { qos: 1 });
    await a.client.publishAsync(t('reported'), JSON.stringify({ v: 2, applianceId: regA.applianceId, online: true, ts: new Date().toISOString(), firmware: 'evil' }), { qos: 1 });
    await a.client.publishAsync(t('telemetry'), JSON.stringify({ v: 1, applianceId: regA.applianceId, batchId: randomUUID(), samples: [{ ts: 'yesterday', metric: 'cpu', value: 1 }] }), { qos: 1 });
    await a.client.publishAsync(t('telemetry'), Buffer.from([0xff, 0xfe]), { qos: 1 });
    await eventually(async () => cloud.logger.lines.filter((l) => /rejected (event|reported|telemetry)/.test(l)).length >= 7);
    expect(cloud.logger.has(/rejected event from .*not JSON/)).toBe(true);
    expect(cloud.logger.has(/rejected event .*does not match topic/)).toBe(true);
    expect(cloud.logger.has(/rejected reported from .*online/)).toBe(true);
    expect(cloud.logger.has(/rejected telemetry from .*samples\.0\.ts/)).toBe(true);
    await sleep(200);
    expect(await count()).toBe(before);
    expect((await pg.query('SELECT firmware FROM appliances WHERE id = $1', [regA.applianceId])).rows[0].firmware).toBe(firmwareBefore);
  });

  it('broker refuses unauthenticated clients, wrong passwords and cross-appliance topics', async () => {
    await expect(mqttClient(regA.mqtt.url, { clientId: 'anon' })).rejects.toThrow();
    await expect(mqttClient(regA.mqtt.url, { clientId: regA.applianceId, username: regA.applianceId, password: 'wrong-password' })).rejects.toThrow();
    // a's password but b's identity: client id is bound to the username
    await expect(mqttClient(regA.mqtt.url, { clientId: regB.applianceId, username: regA.applianceId, password: regA.mqtt.password })).rejects.toThrow();
    // a may not subscribe to b's desired state nor to wildcards
    await expect(a.client.subscribeAsync(cloudTopics.appliance(regB.applianceId, 'desired'), { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await expect(a.client.subscribeAsync('evalroom/v1/appliances/+/acks', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    expect(cloud.logger.has(new RegExp(`subscribe refused: client ${regA.applianceId} filter .*${regB.applianceId}/desired`))).toBe(true);
    // a publishing as b: refused by the broker, nothing stored
    const eventId = randomUUID();
    const spoof = { v: 1, eventId, applianceId: regB.applianceId, seq: 1, ts: new Date().toISOString(), type: 'alarm.cleared', data: { alarm: 'x', source: 'y' } };
    const intruder = await mqttClient(regA.mqtt.url, { clientId: regA.applianceId + '', username: regA.applianceId, password: regA.mqtt.password });
    await intruder.client.publishAsync(cloudTopics.appliance(regB.applianceId, 'events'), JSON.stringify(spoof), { qos: 0 });
    await eventually(async () => cloud.logger.has(new RegExp(`publish refused: client ${regA.applianceId} topic .*${regB.applianceId}/events`)));
    await sleep(200);
    expect((await pg.query('SELECT count(*)::int AS n FROM appliance_events WHERE event_id = $1', [eventId])).rows[0].n).toBe(0);
    await intruder.client.endAsync(true);
  });
});
