import { Inject, Injectable } from '@nestjs/common';
import type { TelemetryBucket } from '@evalroom/contracts';
import { Database } from '../db/database';

export type TelemetryRow = [ts: string, applianceId: string, metric: string, device: string | null, value: number];

/** One validated MQTT telemetry batch waiting to be committed. */
export interface PendingBatch {
  batchId: string;
  applianceId: string;
  rows: TelemetryRow[];
}

const COLUMNS = ['ts', 'appliance_id', 'metric', 'device', 'value'];
const TYPES = ['timestamptz', 'text', 'text', 'text', 'float8'];

const DAY = 86_400_000;
const PARTITION = /^telemetry_p(\d{4})(\d{2})(\d{2})$/;

/** All SQL of the telemetry store. */
@Injectable()
export class TelemetryRepository {
  private hypertable?: boolean;
  private readonly knownDays = new Set<number>();

  constructor(@Inject(Database) private readonly db: Database) {}

  /** True when `telemetry` is a TimescaleDB hypertable (then chunks replace our partitions). */
  async isHypertable(): Promise<boolean> {
    if (this.hypertable === undefined) {
      const ext = await this.db.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`);
      this.hypertable = ext.rows.length > 0;
    }
    return this.hypertable;
  }

  /** Creates the daily partitions covering `days` (epoch ms at UTC midnight) unless present. */
  async ensurePartitions(days: number[]): Promise<void> {
    if (await this.isHypertable()) return;
    for (const day of days) {
      if (this.knownDays.has(day)) continue;
      const name = partitionName(day);
      try {
        await this.db.query(
          `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF telemetry FOR VALUES FROM ('${new Date(day).toISOString()}') TO ('${new Date(day + DAY).toISOString()}')`,
        );
      } catch (err) {
        // another replica created it between our check and create
        if (!['42P07', '23505'].includes((err as { code?: string }).code ?? '')) throw err;
      }
      this.knownDays.add(day);
    }
  }

  /** Bulk load: COPY with pg, one unnest INSERT with PGlite. Never row by row. */
  async copy(rows: TelemetryRow[]): Promise<void> {
    await this.db.copyRows('telemetry', COLUMNS, TYPES, rows);
  }

  /**
   * Records the batch ids and bulk-loads the rows of the batches not stored before, in one
   * transaction. A concurrent writer of the same batch id waits on the primary key and then
   * skips it, so each batch is stored exactly once across restarts and replicas.
   */
  async copyBatches(batches: PendingBatch[]): Promise<{ rows: number; duplicates: string[] }> {
    if (batches.length === 0) return { rows: 0, duplicates: [] };
    return this.db.transaction(async (tx) => {
      const fresh = await tx.query<{ id: string }>(
        `INSERT INTO telemetry_batches (batch_id, appliance_id) SELECT * FROM unnest($1::uuid[], $2::text[])
         ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id::text AS id`,
        [batches.map((b) => b.batchId), batches.map((b) => b.applianceId)],
      );
      const isNew = new Set(fresh.rows.map((r) => r.id.toLowerCase()));
      const rows: TelemetryRow[] = [];
      const duplicates: string[] = [];
      for (const b of batches) {
        if (!isNew.has(b.batchId.toLowerCase())) duplicates.push(b.batchId);
        else for (const r of b.rows) rows.push(r);
        isNew.delete(b.batchId.toLowerCase()); // the same id twice in one flush: first wins
      }
      await tx.copyRows('telemetry', COLUMNS, TYPES, rows);
      return { rows: rows.length, duplicates };
    });
  }

  /** Recomputes the 1 min and 1 h rollups of [from, to) from the raw rows (idempotent). */
  async refreshRollups(from: Date, to: Date): Promise<void> {
    const m0 = new Date(Math.floor(from.getTime() / 60_000) * 60_000);
    const m1 = new Date(Math.ceil((to.getTime() + 1) / 60_000) * 60_000);
    const h0 = new Date(Math.floor(from.getTime() / 3_600_000) * 3_600_000);
    const h1 = new Date(Math.ceil((to.getTime() + 1) / 3_600_000) * 3_600_000);
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO telemetry_1m (appliance_id, metric, bucket, n, sum, min, max)
         SELECT appliance_id, metric, date_trunc('minute', ts), count(*), sum(value), min(value), max(value)
           FROM telemetry WHERE ts >= $1 AND ts < $2 GROUP BY 1, 2, 3
         ON CONFLICT (appliance_id, metric, bucket) DO UPDATE SET n = EXCLUDED.n, sum = EXCLUDED.sum, min = EXCLUDED.min, max = EXCLUDED.max`,
        [m0, m1],
      );
      await tx.query(
        `INSERT INTO telemetry_1h (appliance_id, metric, bucket, n, sum, min, max)
         SELECT appliance_id, metric, date_trunc('hour', bucket), sum(n), sum(sum), min(min), max(max)
           FROM telemetry_1m WHERE bucket >= $1 AND bucket < $2 GROUP BY 1, 2, 3
         ON CONFLICT (appliance_id, metric, bucket) DO UPDATE SET n = EXCLUDED.n, sum = EXCLUDED.sum, min = EXCLUDED.min, max = EXCLUDED.max`,
        [h0, h1],
      );
    });
  }

  async series(q: { applianceId: string; metric: string; from: Date; to: Date; bucket: TelemetryBucket }): Promise<{ ts: Date; count: number; avg: number; min: number; max: number }[]> {
    if (q.bucket === 'raw') {
      const r = await this.db.query<{ ts: Date; value: number }>(
        `SELECT ts, value FROM telemetry WHERE appliance_id = $1 AND metric = $2 AND ts >= $3 AND ts < $4 ORDER BY ts LIMIT 10000`,
        [q.applianceId, q.metric, q.from, q.to],
      );
      return r.rows.map((x) => ({ ts: x.ts, count: 1, avg: x.value, min: x.value, max: x.value }));
    }
    const table = q.bucket === '1m' ? 'telemetry_1m' : 'telemetry_1h';
    const r = await this.db.query<{ ts: Date; count: number; avg: number; min: number; max: number }>(
      `SELECT bucket AS ts, n::int AS count, sum / n AS avg, min, max FROM ${table}
        WHERE appliance_id = $1 AND metric = $2 AND bucket >= $3 AND bucket < $4 ORDER BY bucket LIMIT 10000`,
      [q.applianceId, q.metric, q.from, q.to],
    );
    return r.rows;
  }

  /** Drops whole partitions (or TimescaleDB chunks) that end before `cutoff`; rollups older are deleted. */
  async dropBefore(cutoff: Date): Promise<string[]> {
    const dropped: string[] = [];
    if (await this.isHypertable()) {
      const r = await this.db.query<{ c: string }>(`SELECT drop_chunks('telemetry', older_than => $1::timestamptz)::text AS c`, [cutoff]);
      dropped.push(...r.rows.map((x) => x.c));
    } else {
      const parts = await this.db.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
          WHERE p.relname = 'telemetry'`,
      );
      for (const { name } of parts.rows) {
        const m = PARTITION.exec(name);
        if (!m) continue;
        const dayEnd = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + DAY;
        if (dayEnd > cutoff.getTime()) continue;
        await this.db.query(`DROP TABLE ${name}`);
        this.knownDays.delete(dayEnd - DAY);
        dropped.push(name);
      }
    }
    await this.db.query(`DELETE FROM telemetry_1m WHERE bucket < $1`, [cutoff]);
    await this.db.query(`DELETE FROM telemetry_batches WHERE received_at < $1`, [cutoff]);
    await this.db.query(`DELETE FROM telemetry_1h WHERE bucket < $1`, [cutoff]);
    return dropped;
  }

  async applianceScope(applianceId: string): Promise<{ venueId: string; regionCode: string } | undefined> {
    const r = await this.db.query<{ venueId: string; regionCode: string }>(
      `SELECT r.venue_id AS "venueId", c.region_code AS "regionCode" FROM appliances a JOIN rooms r ON r.id = a.room_id
         JOIN venues v ON v.id = r.venue_id JOIN trading_centers c ON c.id = v.trading_center_id WHERE a.id = $1`,
      [applianceId],
    );
    return r.rows[0];
  }
}

export function partitionName(dayMs: number): string {
  return `telemetry_p${new Date(dayMs).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

export const utcDay = (ms: number) => Math.floor(ms / DAY) * DAY;
export const DAY_MS = DAY;
