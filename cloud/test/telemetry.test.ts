import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { MqttClient } from 'mqtt';
import { cloudTopics, type ApplianceRegistered, type TelemetryPoint } from '@evalroom/contracts';
import { TelemetryIngestService } from '../src/telemetry/telemetry-ingest.service';
import { TelemetryService } from '../src/telemetry/telemetry.service';
import { seedDirectory, startTestCloud, type TestCloud } from './support/cloud';
import { eventually, mqttClient, type Inbox } from './support/mqtt';

const DAY = 86_400_000;

describe('telemetry store', () => {
  let cloud: TestCloud;
  let reg: ApplianceRegistered;
  let box: { client: MqttClient; inbox: Inbox };
  let pg: Client;

  beforeAll(async () => {
    cloud = await startTestCloud();
    const dir = await seedDirectory(cloud);
    reg = (await cloud.api<ApplianceRegistered>('POST', '/v1/appliances', { applianceId: `box-${dir.roomA}`, roomId: dir.roomA })).body;
    box = await mqttClient(reg.mqtt.url, { clientId: reg.applianceId, username: reg.applianceId, password: reg.mqtt.password });
    pg = new Client({ connectionString: cloud.databaseUrl });
    await pg.connect();
  }, 30_000);

  afterAll(async () => {
    await box?.client.endAsync();
    await pg?.end();
    await cloud?.stop();
  });

  it('ingests MQTT batches with COPY into daily partitions, once per batch id, and serves rollups', async () => {
    const base = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000; // the previous full hour
    const topic = cloudTopics.appliance(reg.applianceId, 'telemetry');
    const batches = [];
    // 120 minutes × 10 samples: value = minute index, so per-minute avg is known
    for (let m = 0; m < 120; m += 30) {
      const samples = [];
      for (let k = m; k < m + 30; k++) for (let j = 0; j < 10; j++) samples.push({ ts: new Date(base + k * 60_000 + j * 5000).toISOString(), metric: 'cpu.load', value: k % 60 });
      batches.push({ v: 1, applianceId: reg.applianceId, batchId: randomUUID(), samples });
    }
    for (const b of batches) await box.client.publishAsync(topic, JSON.stringify(b), { qos: 1 });
    await box.client.publishAsync(topic, JSON.stringify(batches[0]), { qos: 1 }); // redelivery
    await eventually(async () => (await pg.query('SELECT count(*)::int AS n FROM telemetry')).rows[0].n === 1200, 10_000);

    // stored in native daily partitions, not in the parent
    const parts = await pg.query(`SELECT count(*)::int AS n FROM ONLY telemetry`);
    expect(parts.rows[0].n).toBe(0);
    const inPartitions = await pg.query(`SELECT tableoid::regclass::text AS p, count(*)::int AS n FROM telemetry GROUP BY 1`);
    expect(inPartitions.rows.every((r) => /^telemetry_p\d{8}$/.test(r.p))).toBe(true);

    const q = (bucket: string) =>
      cloud.api<TelemetryPoint[]>('GET', `/v1/telemetry?applianceId=${reg.applianceId}&metric=cpu.load&from=${new Date(base).toISOString()}&to=${new Date(base + 2 * 3_600_000).toISOString()}&bucket=${bucket}`);
    const minutes = await q('1m');
    expect(minutes.status).toBe(200);
    expect(minutes.body).toHaveLength(120);
    expect(minutes.body[7]).toEqual({ ts: new Date(base + 7 * 60_000).toISOString(), count: 10, avg: 7, min: 7, max: 7 });
    const hours = await q('1h');
    expect(hours.body).toHaveLength(2);
    expect(hours.body[0]).toEqual({ ts: new Date(base).toISOString(), count: 600, avg: 29.5, min: 0, max: 59 });
    const raw = await q('raw');
    expect(raw.body).toHaveLength(1200);
  });

  it('retention drops whole partitions past the window and keeps the rest', async () => {
    const ingest = cloud.app.get(TelemetryIngestService);
    const store = cloud.app.get(TelemetryService);
    const now = Date.now();
    // 31 days of retention = 30 (config) → a sample 10 days old is kept at ingest, then aged out
    const old = new Date(now - 10 * DAY).toISOString();
    await ingest.onMessage(reg.applianceId, Buffer.from(JSON.stringify({ v: 1, applianceId: reg.applianceId, batchId: randomUUID(), samples: [{ ts: old, metric: 'disk.free', value: 1 }] })));
    await ingest.flush();
    const oldPart = `telemetry_p${old.slice(0, 10).replace(/-/g, '')}`;
    expect((await pg.query(`SELECT to_regclass($1)::text AS t`, [oldPart])).rows[0].t).toBe(oldPart);
    // pretend 25 days have passed: the 10-day-old partition is now 35 days old
    const dropped = await store.maintain(now + 25 * DAY);
    expect(dropped).toContain(oldPart);
    expect((await pg.query(`SELECT to_regclass($1)::text AS t`, [oldPart])).rows[0].t).toBeNull();
    expect((await pg.query(`SELECT count(*)::int AS n FROM telemetry WHERE metric = 'cpu.load'`)).rows[0].n).toBe(1200);
    // partitions exist ahead of time
    const ahead = new Date(now + 25 * DAY + 3 * DAY).toISOString().slice(0, 10).replace(/-/g, '');
    expect((await pg.query(`SELECT to_regclass($1)::text AS t`, [`telemetry_p${ahead}`])).rows[0].t).toBe(`telemetry_p${ahead}`);
  });
});
