import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { Client } from 'pg';
import type { MqttClient } from 'mqtt';
import { cloudTopics, type ApplianceRegistered, type DesiredState } from '@evalroom/contracts';
import { startCloud } from '../../src/server';
import { DesiredStateService } from '../../src/sessions/desired-state.service';
import { CloudMqtt } from '../../src/mqtt/cloud-mqtt';
import { TelemetryIngestService } from '../../src/telemetry/telemetry-ingest.service';
import { TelemetryRepository } from '../../src/telemetry/telemetry.repository';
import { MemoryLogger, seedDirectory, sessionBody, startTestCloud, type TestCloud } from '../support/cloud';
import { eventually, mqttClient, type Inbox } from '../support/mqtt';
import { TEST_PG_URL } from '../support/pg';

/** Desired-state versions name content; telemetry batch ids are de-duplicated in the database. */
describe('cloud fixes: desired-state versions and persistent telemetry de-duplication', () => {
  let cloud: TestCloud;
  let dir: Awaited<ReturnType<typeof seedDirectory>>;
  let reg: ApplianceRegistered;
  let pg: Client;

  beforeAll(async () => {
    cloud = await startTestCloud();
    dir = await seedDirectory(cloud);
    reg = (await cloud.api<ApplianceRegistered>('POST', '/v1/appliances', { applianceId: `box-${dir.roomA}`, roomId: dir.roomA })).body;
    pg = new Client({ connectionString: cloud.databaseUrl });
    await pg.connect();
  }, 30_000);

  let restarted = false;
  afterAll(async () => {
    await pg?.end();
    if (!restarted) return cloud?.stop();
    // the first instance is closed already: drop its database and data dir only
    const admin = new Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${new URL(cloud.databaseUrl).pathname.slice(1)} WITH (FORCE)`);
    await admin.end();
    await rm(cloud.config.dataDir, { recursive: true, force: true });
  });

  const storedVersion = async () => (await pg.query('SELECT desired_version::int AS v FROM appliances WHERE id = $1', [reg.applianceId])).rows[0].v as number;

  it('republishing unchanged content keeps the version; a change bumps it by exactly one', async () => {
    const box: { client: MqttClient; inbox: Inbox } = await mqttClient(reg.mqtt.url, { clientId: reg.applianceId, username: reg.applianceId, password: reg.mqtt.password });
    const topic = cloudTopics.appliance(reg.applianceId, 'desired');
    await box.client.subscribeAsync(topic, { qos: 1 });
    try {
      const created = await cloud.api<{ sessionId: string }>('POST', '/v1/sessions', sessionBody(dir, 60));
      expect(created.status).toBe(201);
      const first = await box.inbox.waitFor<DesiredState>(topic, (d) => d.sessions.some((s) => s.sessionId === created.body.sessionId));
      expect(await storedVersion()).toBe(first.version);

      const desired = cloud.app.get(DesiredStateService);
      const before = box.inbox.json<DesiredState>(topic).length;
      await desired.publishFor(reg.applianceId);
      await desired.republish(reg.applianceId);
      await desired.publishForRooms([dir.roomA]);
      // a stale report (appliedVersion behind) also republishes
      await box.client.publishAsync(
        cloudTopics.appliance(reg.applianceId, 'reported'),
        JSON.stringify({ v: 1, applianceId: reg.applianceId, online: true, ts: new Date().toISOString(), appliedVersion: first.version - 1 }),
        { qos: 1 },
      );
      await eventually(async () => box.inbox.json<DesiredState>(topic).length >= before + 4);
      const republished = box.inbox.json<DesiredState>(topic).slice(before);
      expect(republished.map((d) => d.version)).toEqual(republished.map(() => first.version));
      expect(republished.every((d) => JSON.stringify(d.sessions) === JSON.stringify(first.sessions))).toBe(true);
      expect(await storedVersion()).toBe(first.version);

      // new content: exactly one bump, however many publications follow
      const second = await cloud.api<{ sessionId: string }>('POST', '/v1/sessions', sessionBody(dir, 120));
      const next = await box.inbox.waitFor<DesiredState>(topic, (d) => d.sessions.some((s) => s.sessionId === second.body.sessionId));
      expect(next.version).toBe(first.version + 1);
      await desired.publishFor(reg.applianceId);
      expect(await storedVersion()).toBe(first.version + 1);
    } finally {
      await box.client.endAsync();
    }
  });

  it('a restart (boot republication) keeps the version, and a batch redelivered after it is stored once', async () => {
    const versionBefore = await storedVersion();
    const batch = {
      v: 1,
      applianceId: reg.applianceId,
      batchId: randomUUID(),
      samples: Array.from({ length: 25 }, (_, i) => ({ ts: new Date(Date.now() - i * 1000).toISOString(), metric: 'appliance.outbox.pending', value: i })),
    };
    const count = async () => (await pg.query(`SELECT count(*)::int AS n FROM telemetry WHERE appliance_id = $1 AND metric = 'appliance.outbox.pending'`, [reg.applianceId])).rows[0].n as number;
    const ingest1 = cloud.app.get(TelemetryIngestService);
    await ingest1.onMessage(reg.applianceId, Buffer.from(JSON.stringify(batch)));
    await ingest1.flush();
    expect(await count()).toBe(25);
    expect((await pg.query('SELECT appliance_id FROM telemetry_batches WHERE batch_id = $1', [batch.batchId])).rows).toEqual([{ appliance_id: reg.applianceId }]);

    // restart the control plane on the same database: the in-memory window is gone
    await cloud.close();
    restarted = true;
    const logger = new MemoryLogger();
    const again = await startCloud(cloud.config, { logger });
    try {
      await eventually(async () => logger.has(new RegExp(`desired state v\\d+ → ${reg.applianceId}`)), 10_000);
      expect(logger.has(new RegExp(`desired state v${versionBefore} → ${reg.applianceId}`))).toBe(true);
      expect(await storedVersion()).toBe(versionBefore);

      const ingest2 = again.app.get(TelemetryIngestService);
      let committed = -1;
      ingest2.onCommit((_ids, rows) => (committed = rows));
      await ingest2.onMessage(reg.applianceId, Buffer.from(JSON.stringify(batch)));
      await ingest2.flush();
      expect(committed).toBe(0);
      expect(await count()).toBe(25);
      expect(logger.has(/1 batch\(es\) already stored, skipped/)).toBe(true);

      // two ingest services racing on one batch: still stored once
      const racing = { ...batch, batchId: randomUUID() };
      // a second ingest service on the same database (as a second replica would run)
      const ingest3 = new TelemetryIngestService(again.app.get(TelemetryRepository), again.app.get(CloudMqtt), cloud.config);
      await Promise.all([ingest2.onMessage(reg.applianceId, Buffer.from(JSON.stringify(racing))), ingest3.onMessage(reg.applianceId, Buffer.from(JSON.stringify(racing)))]);
      await Promise.all([ingest2.flush(), ingest3.flush()]);
      expect(await count()).toBe(50);
    } finally {
      await again.close();
    }
  }, 30_000);
});
