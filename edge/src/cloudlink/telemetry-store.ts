import { join } from 'node:path';
import { TelemetryBatch, validate } from '@evalroom/contracts';
import type { Logger } from '../app/logger';
import { Journal } from '../store/journal';

type Entry = { op: 'add'; batch: TelemetryBatch } | { op: 'done'; ids: string[] };

/**
 * Store-and-forward for telemetry batches, bounded: when full, the oldest batches are dropped
 * (and counted) rather than growing the disk without limit. A batch is done once the cloud
 * broker has accepted it (PUBACK) or the cloud lists its batchId in an acks message.
 */
export class TelemetryStore {
  private readonly journal: Journal<Entry>;
  private readonly pending = new Map<string, TelemetryBatch>();
  dropped = 0;

  constructor(
    dir: string,
    private readonly logger: Logger,
    private readonly maxBatches = 500,
  ) {
    this.journal = new Journal<Entry>(join(dir, 'telemetry.jsonl'));
  }

  open(): void {
    const { records } = this.journal.open();
    for (const r of records) {
      if (r.op === 'add') {
        const ok = validate(TelemetryBatch, r.batch);
        if (ok.ok) this.pending.set(r.batch.batchId, ok.value);
      } else if (r.op === 'done') for (const id of r.ids) this.pending.delete(id);
    }
    this.journal.compact(this.list().map((batch) => ({ op: 'add' as const, batch })));
  }

  add(batch: TelemetryBatch): void {
    this.journal.append({ op: 'add', batch });
    this.pending.set(batch.batchId, batch);
    if (this.pending.size > this.maxBatches) {
      const oldest = this.list().slice(0, this.pending.size - this.maxBatches).map((b) => b.batchId);
      this.done(oldest);
      this.dropped += oldest.length;
      this.logger.warn('telemetry store full; oldest batches dropped', { dropped: oldest.length });
    }
  }

  done(ids: string[]): void {
    const known = ids.filter((id) => this.pending.has(id));
    if (!known.length) return;
    this.journal.append({ op: 'done', ids: known });
    for (const id of known) this.pending.delete(id);
    if (this.journal.size > 4 * (this.pending.size + 50)) this.journal.compact(this.list().map((batch) => ({ op: 'add' as const, batch })));
  }

  list(): TelemetryBatch[] {
    return [...this.pending.values()];
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  close(): void {
    this.journal.close();
  }
}
