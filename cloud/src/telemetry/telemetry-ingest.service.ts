import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { parsePayload, TelemetryBatch } from '@evalroom/contracts';
import { CLOUD_CONFIG, type CloudConfig } from '../config/config';
import { CloudMqtt } from '../mqtt/cloud-mqtt';
import { DAY_MS, TelemetryRepository, utcDay, type PendingBatch, type TelemetryRow } from './telemetry.repository';

/** Tunables; tests and the bench shrink or grow them. */
export interface IngestTuning {
  /** Flush when this many rows are buffered. */
  maxRows: number;
  /** …or this long after the first buffered row. */
  maxDelayMs: number;
  /** Batch ids remembered in memory (a fast path; the database's telemetry_batches is authoritative). */
  dedupeWindow: number;
  /** Rows kept in memory while the database is unavailable before new batches are refused. */
  maxBacklogRows: number;
}

export const DEFAULT_TUNING: IngestTuning = { maxRows: 10_000, maxDelayMs: 20, dedupeWindow: 50_000, maxBacklogRows: 500_000 };

export type CommitListener = (batchIds: string[], rows: number, committedAt: number) => void;

/**
 * Telemetry from the cloud broker into the time-partitioned store: each MQTT message is
 * validated, buffered, and flushed in bulk (COPY) — never row by row. One flush runs at a time;
 * what arrives meanwhile forms the next batch. Rollups are refreshed off the hot path.
 */
@Injectable()
export class TelemetryIngestService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Telemetry');
  private tuning: IngestTuning = DEFAULT_TUNING;
  private buffer: PendingBatch[] = [];
  private bufferedRows = 0;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private readonly seen = new Set<string>();
  private readonly known = new Map<string, boolean>();
  private dirty?: { from: number; to: number };
  private rollupTimer?: NodeJS.Timeout;
  private readonly listeners: CommitListener[] = [];
  private stopped = false;

  constructor(
    @Inject(TelemetryRepository) private readonly repo: TelemetryRepository,
    @Inject(CloudMqtt) private readonly mqtt: CloudMqtt,
    @Inject(CLOUD_CONFIG) private readonly config: CloudConfig,
  ) {}

  onModuleInit(): void {
    this.mqtt.on('telemetry', (id, payload) => this.onMessage(id, payload));
    this.rollupTimer = setInterval(() => void this.refreshRollups().catch((e: Error) => this.logger.warn(`rollup: ${e.message}`)), 2000);
    this.rollupTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.rollupTimer);
    await this.flush();
    await this.refreshRollups().catch(() => undefined);
  }

  tune(t: Partial<IngestTuning>): void {
    this.tuning = { ...this.tuning, ...t };
  }

  /** Called after each commit (the bench measures publish → commit lag with it). */
  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  async onMessage(topicApplianceId: string, payload: Buffer): Promise<void> {
    const parsed = parsePayload(TelemetryBatch, payload);
    if (!parsed.ok) return this.logger.warn(`rejected telemetry from ${topicApplianceId}: ${parsed.reason}`);
    const b = parsed.value;
    if (b.applianceId !== topicApplianceId) return this.logger.warn(`rejected telemetry from ${topicApplianceId}: applianceId ${b.applianceId} does not match topic`);
    if (!(await this.isKnown(b.applianceId))) return this.logger.warn(`rejected telemetry from ${topicApplianceId}: unknown appliance`);
    if (this.seen.has(b.batchId)) return; // redelivery (a redelivery after a restart is caught at commit)
    if (this.bufferedRows + b.samples.length > this.tuning.maxBacklogRows) {
      return this.logger.error(`telemetry backlog full (${this.bufferedRows} rows): batch ${b.batchId} refused`);
    }
    this.remember(b.batchId);
    const now = Date.now();
    const oldest = now - this.config.telemetryRetentionDays * DAY_MS;
    let outside = 0;
    const rows: TelemetryRow[] = [];
    for (const s of b.samples) {
      const t = Date.parse(s.ts);
      if (t < oldest || t > now + DAY_MS) {
        outside++;
        continue;
      }
      rows.push([s.ts, b.applianceId, s.metric, s.device ?? null, s.value]);
    }
    if (outside) this.logger.warn(`telemetry batch ${b.batchId}: ${outside} samples outside the retention window dropped`);
    this.buffer.push({ batchId: b.batchId, applianceId: b.applianceId, rows });
    this.bufferedRows += rows.length;
    if (this.bufferedRows >= this.tuning.maxRows) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.tuning.maxDelayMs);
  }

  /** Writes everything buffered; resolves when it is committed. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.buffer.length === 0) return;
    const batches = this.buffer;
    this.buffer = [];
    this.bufferedRows = 0;
    this.flushing = this.write(batches).finally(() => {
      this.flushing = undefined;
      if (this.buffer.length && !this.timer && !this.stopped) this.timer = setTimeout(() => void this.flush(), this.tuning.maxDelayMs);
    });
    await this.flushing;
  }

  private async write(batches: PendingBatch[]): Promise<void> {
    const total = batches.reduce((n, b) => n + b.rows.length, 0);
    try {
      let min = Infinity;
      let max = -Infinity;
      const days = new Set<number>();
      for (const b of batches) {
        for (const r of b.rows) {
          const t = Date.parse(r[0]);
          if (t < min) min = t;
          if (t > max) max = t;
          days.add(utcDay(t));
        }
      }
      await this.repo.ensurePartitions([...days]);
      // batch ids and rows commit together: a batch already stored (before a restart, or by
      // another replica) is skipped, and a failed write leaves neither behind
      const stored = await this.repo.copyBatches(batches);
      if (stored.rows) this.dirty = { from: Math.min(this.dirty?.from ?? min, min), to: Math.max(this.dirty?.to ?? max, max) };
      if (stored.duplicates.length) this.logger.log(`telemetry: ${stored.duplicates.length} batch(es) already stored, skipped`);
      const at = Date.now();
      for (const l of this.listeners) l(batches.map((b) => b.batchId), stored.rows, at);
    } catch (err) {
      // keep the rows for the next attempt (nothing lost while the database is away)
      this.logger.error(`telemetry flush of ${total} rows failed: ${(err as Error).message}; will retry`);
      this.buffer = batches.concat(this.buffer);
      this.bufferedRows += total;
      if (!this.timer && !this.stopped) this.timer = setTimeout(() => void this.flush(), 1000);
    }
  }

  /** Brings the 1 min / 1 h rollups up to date with what has been committed. */
  async refreshRollups(): Promise<void> {
    const d = this.dirty;
    if (!d) return;
    this.dirty = undefined;
    try {
      await this.repo.refreshRollups(new Date(d.from), new Date(d.to));
    } catch (err) {
      const cur = this.dirty as { from: number; to: number } | undefined; // may have been set meanwhile
      this.dirty = { from: Math.min(cur?.from ?? d.from, d.from), to: Math.max(cur?.to ?? d.to, d.to) };
      throw err;
    }
  }

  private remember(batchId: string): void {
    this.seen.add(batchId);
    if (this.seen.size > this.tuning.dedupeWindow) this.seen.delete(this.seen.values().next().value as string);
  }

  private async isKnown(applianceId: string): Promise<boolean> {
    const hit = this.known.get(applianceId);
    if (hit) return true;
    const ok = (await this.repo.applianceScope(applianceId)) !== undefined;
    if (ok) this.known.set(applianceId, true);
    return ok;
  }
}
