/**
 * Telemetry ingest benchmark (issue 5), against the machine's PostgreSQL and Mosquitto:
 * - telemetry.ingest.rows_per_s: MQTT in (Mosquitto) → rows committed by the running cloud,
 * - telemetry.ingest.ratio_to_copy: that rate ÷ a raw COPY of the same rows into the same table,
 *   measured in the same run (goal ≥ 0.5),
 * - telemetry.ingest.lag_p99_ms: publish → commit, p99 over batches published at a steady pace
 *   (1 batch of 100 samples every 10 ms), so it measures latency rather than flood queueing.
 * Env: EVALROOM_BENCH_PG_URL / EVALROOM_TEST_PG_URL, EVALROOM_BENCH_MQTT_URL / EVALROOM_TEST_MQTT_URL.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { connectAsync } from 'mqtt';
import { cloudTopics, type TelemetryBatch } from '@evalroom/contracts';
import { Database } from '../db/database';
import { startCloud } from '../server';
import { TelemetryIngestService } from '../telemetry/telemetry-ingest.service';
import type { TelemetryRow } from '../telemetry/telemetry.repository';

const ROUNDS = 3;
const FLOOD_BATCHES = 100;
const FLOOD_SAMPLES = 500;
const PACED_BATCHES = 200;
const PACED_SAMPLES = 100;
const PACE_MS = 10;

export async function run(): Promise<Record<string, number>> {
  const pgUrl = process.env.EVALROOM_BENCH_PG_URL ?? process.env.EVALROOM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const mqttUrl = process.env.EVALROOM_BENCH_MQTT_URL ?? process.env.EVALROOM_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
  const dbName = `evalroom_bench_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(pgUrl);
  url.pathname = `/${dbName}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'evalroom-bench-'));
  const adminToken = randomBytes(24).toString('base64url');
  const cloud = await startCloud(
    {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      databaseUrl: url.toString(),
      mqttUrl,
      embeddedMqttPort: 0,
      adminToken,
      secretKey: randomBytes(32),
      telemetryRetentionDays: 30,
      migrationsDir: resolve(__dirname, '..', '..', 'migrations'),
    },
    { logger: false },
  );
  const applianceId = `bench-${randomBytes(4).toString('hex')}`;
  const pub = await connectAsync(mqttUrl, { clientId: `${applianceId}-pub`, protocolVersion: 4 });
  const db = await Database.connect({ databaseUrl: url.toString() });
  try {
    const api = (path: string, body: unknown) =>
      fetch(cloud.httpUrl + path, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await api('/v1/trading-centers', { id: 'bench-tc', name: 'bench', level: 'province', regionCode: '21' });
    await api('/v1/venues', { id: 'bench-v', tradingCenterId: 'bench-tc', name: 'bench' });
    await api('/v1/rooms', { id: 'bench-r', venueId: 'bench-v', name: 'bench' });
    const reg = await api('/v1/appliances', { applianceId, roomId: 'bench-r' });
    if (!reg.ok) throw new Error(`register: ${reg.status}`);

    const ingest = cloud.app.get(TelemetryIngestService);
    const committed = new Map<string, number>();
    let rowsCommitted = 0;
    ingest.onCommit((ids, rows, at) => {
      for (const id of ids) committed.set(id, at);
      rowsCommitted += rows;
    });
    const topic = cloudTopics.appliance(applianceId, 'telemetry');
    const makeBatch = (n: number, t0: number): TelemetryBatch => ({
      v: 1,
      applianceId,
      batchId: randomUUID(),
      samples: Array.from({ length: n }, (_, i) => ({ ts: new Date(t0 + i).toISOString(), metric: `cam.m${i % 8}`, value: Math.round(Math.random() * 1e4) / 100, device: `cam-${i % 4}` })),
    });
    const waitFor = async (pred: () => boolean, ms: number) => {
      const end = Date.now() + ms;
      while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    };

    // warm-up (partitions, plans, connections)
    const warm = makeBatch(1000, Date.now() - 60_000);
    await pub.publishAsync(topic, JSON.stringify(warm), { qos: 1 });
    await waitFor(() => committed.has(warm.batchId), 10_000);

    // 1+2. flood (MQTT in → rows committed) and raw COPY of the same rows into the same table,
    // alternated over ROUNDS so both see the same machine load; medians are reported.
    const floodRates: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const now = Date.now() - 3_600_000 + round * 60_000;
      const flood = Array.from({ length: FLOOD_BATCHES }, (_, k) => makeBatch(FLOOD_SAMPLES, now + k * FLOOD_SAMPLES));
      const payloads = flood.map((b) => JSON.stringify(b));
      const before = rowsCommitted;
      const t0 = performance.now();
      await Promise.all(payloads.map((p) => pub.publishAsync(topic, p, { qos: 1 })));
      await waitFor(() => flood.every((b) => committed.has(b.batchId)), 60_000);
      const rate = (rowsCommitted - before) / ((performance.now() - t0) / 1000);

      const rows: TelemetryRow[] = flood.flatMap((b) => b.samples.map((s): TelemetryRow => [s.ts, `${applianceId}-copy`, s.metric, s.device ?? null, s.value]));
      const c0 = performance.now();
      for (let i = 0; i < rows.length; i += 10_000) await db.copyRows('telemetry', ['ts', 'appliance_id', 'metric', 'device', 'value'], ['timestamptz', 'text', 'text', 'text', 'float8'], rows.slice(i, i + 10_000));
      const copyRate = rows.length / ((performance.now() - c0) / 1000);
      floodRates.push(rate);
      ratios.push(rate / copyRate);
    }
    const rowsPerS = median(floodRates);
    const ratio = median(ratios);

    // 3. latency at a steady pace
    const published = new Map<string, number>();
    for (let k = 0; k < PACED_BATCHES; k++) {
      const b = makeBatch(PACED_SAMPLES, Date.now() - 1000);
      published.set(b.batchId, Date.now());
      void pub.publishAsync(topic, JSON.stringify(b), { qos: 1 });
      await new Promise((r) => setTimeout(r, PACE_MS));
    }
    await waitFor(() => [...published.keys()].every((id) => committed.has(id)), 30_000);
    const lags = [...published].filter(([id]) => committed.has(id)).map(([id, at]) => committed.get(id)! - at).sort((a, b) => a - b);
    const p99 = lags.length ? lags[Math.min(lags.length - 1, Math.ceil(lags.length * 0.99) - 1)]! : -1;

    return {
      'telemetry.ingest.rows_per_s': Math.round(rowsPerS),
      'telemetry.ingest.ratio_to_copy': Math.round(ratio * 1000) / 1000,
      'telemetry.ingest.lag_p99_ms': p99,
    };
  } finally {
    await pub.endAsync().catch(() => undefined);
    await db.close().catch(() => undefined);
    await cloud.close().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
