import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { cloudTopics, type ApplianceRegistered, type DesiredState, type EventAck } from '@evalroom/contracts';
import { seedDirectory, sessionBody, startTestCloud, type TestCloud } from './support/cloud';
import { TEST_MQTT_URL } from './support/pg';
import { eventually, mqttClient, sleep } from './support/mqtt';

/** The same paths against an external broker (the machine's Mosquitto, anonymous). */
describe('cloud with Mosquitto (MQTT_URL)', () => {
  let cloud: TestCloud;

  beforeAll(async () => {
    cloud = await startTestCloud({ mqttUrl: TEST_MQTT_URL });
  }, 30_000);

  afterAll(async () => {
    await cloud?.stop();
  });

  it('publishes desired state to the right appliance only and ingests events once', async () => {
    const dir = await seedDirectory(cloud);
    const regA = (await cloud.api<ApplianceRegistered>('POST', '/v1/appliances', { applianceId: `mq-a-${dir.roomA}`, roomId: dir.roomA })).body;
    const regB = (await cloud.api<ApplianceRegistered>('POST', '/v1/appliances', { applianceId: `mq-b-${dir.roomB}`, roomId: dir.roomB })).body;
    expect(regA.mqtt.url).toBe(TEST_MQTT_URL);
    const a = await mqttClient(TEST_MQTT_URL, { clientId: `${regA.applianceId}-${randomUUID().slice(0, 6)}` });
    const b = await mqttClient(TEST_MQTT_URL, { clientId: `${regB.applianceId}-${randomUUID().slice(0, 6)}` });
    try {
      await a.client.subscribeAsync([cloudTopics.appliance(regA.applianceId, 'desired'), cloudTopics.appliance(regA.applianceId, 'acks')], { qos: 1 });
      await b.client.subscribeAsync(cloudTopics.appliance(regB.applianceId, 'desired'), { qos: 1 });
      const { sessionId } = (await cloud.api<{ sessionId: string }>('POST', '/v1/sessions', sessionBody({ venueA: dir.venueA, roomA: dir.roomA }, 30))).body;
      const desired = await a.inbox.waitFor<DesiredState>(cloudTopics.appliance(regA.applianceId, 'desired'), (d) => d.sessions.some((s) => s.sessionId === sessionId));
      expect(desired.applianceId).toBe(regA.applianceId);
      // retained: a late subscriber gets the latest version
      const late = await mqttClient(TEST_MQTT_URL, { clientId: `late-${randomUUID().slice(0, 8)}` });
      await late.client.subscribeAsync(cloudTopics.appliance(regA.applianceId, 'desired'), { qos: 1 });
      const retained = await late.inbox.waitFor<DesiredState>(cloudTopics.appliance(regA.applianceId, 'desired'), () => true);
      expect(retained.version).toBe(desired.version);
      await late.client.endAsync();
      await sleep(200);
      expect(b.inbox.json<DesiredState>(cloudTopics.appliance(regB.applianceId, 'desired')).every((d) => d.sessions.length === 0)).toBe(true);

      const ref = desired.sessions[0]!.roster[0]!.expertRef;
      const eventId = randomUUID();
      const ev = { v: 1, eventId, applianceId: regA.applianceId, seq: 3, ts: new Date().toISOString(), type: 'checkin.rejected', data: { checkinId: `c-${eventId}`, sessionId, expertRef: ref, outcome: 'face_mismatch', reason: 'similarity 0.21 < 0.45' } };
      for (let i = 0; i < 3; i++) await a.client.publishAsync(cloudTopics.appliance(regA.applianceId, 'events'), JSON.stringify(ev), { qos: 1 });
      await eventually(async () => a.inbox.json<EventAck>(cloudTopics.appliance(regA.applianceId, 'acks')).length === 3);
      const pg = new Client({ connectionString: cloud.databaseUrl });
      await pg.connect();
      const rows = await pg.query('SELECT outcome FROM checkin_rejections WHERE session_id = $1', [sessionId]);
      await pg.end();
      expect(rows.rows).toEqual([{ outcome: 'face_mismatch' }]);
    } finally {
      // clear the retained documents this test left on the shared broker
      for (const id of [regA.applianceId, regB.applianceId]) await a.client.publishAsync(cloudTopics.appliance(id, 'desired'), '', { retain: true, qos: 1 });
      await a.client.endAsync();
      await b.client.endAsync();
    }
  });
});
