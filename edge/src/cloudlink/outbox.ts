import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ApplianceEvent, validate, type ApplianceEventBody } from '@evalroom/contracts';
import type { Logger } from '../app/logger';
import { Journal } from '../store/journal';

type Entry = { op: 'add'; event: ApplianceEvent } | { op: 'ack'; ids: string[] } | { op: 'seq'; next: number };

/**
 * Durable outbox of ApplianceEvents. append() returns only after the event is fsynced; an event
 * stays pending until the cloud's acks message lists its id. Ids are UUIDs and seq numbers grow
 * across restarts, so redelivery is harmless for the receiver.
 */
export class Outbox {
  private readonly journal: Journal<Entry>;
  private readonly pending = new Map<string, ApplianceEvent>();
  private nextSeq = 0;
  private acked = 0;
  private readonly observers = new Set<(event: ApplianceEvent) => void>();

  constructor(
    dir: string,
    private readonly applianceId: string,
    private readonly logger: Logger,
  ) {
    this.journal = new Journal<Entry>(join(dir, 'events.jsonl'));
  }

  open(): void {
    const { records, torn } = this.journal.open();
    if (torn) this.logger.warn('outbox journal had torn lines (crash mid-write); skipped', { torn });
    for (const r of records) {
      if (r.op === 'add') {
        const ok = validate(ApplianceEvent, r.event);
        if (!ok.ok) {
          this.logger.error('outbox record fails its schema; skipped', { reason: ok.reason });
          continue;
        }
        this.pending.set(r.event.eventId, ok.value);
        this.nextSeq = Math.max(this.nextSeq, r.event.seq + 1);
      } else if (r.op === 'ack') {
        for (const id of r.ids) this.pending.delete(id);
      } else if (r.op === 'seq') {
        this.nextSeq = Math.max(this.nextSeq, r.next);
      }
    }
    this.compact();
  }

  /** Stores the event durably and returns it (with id, seq and timestamp). */
  append(body: ApplianceEventBody, at = new Date()): ApplianceEvent {
    const event = { v: 1, eventId: randomUUID(), applianceId: this.applianceId, seq: this.nextSeq, ts: at.toISOString(), ...body } as ApplianceEvent;
    const ok = validate(ApplianceEvent, event);
    if (!ok.ok) throw new Error(`event ${body.type} fails its schema: ${ok.reason}`);
    this.journal.append({ op: 'add', event });
    this.nextSeq++;
    this.pending.set(event.eventId, event);
    for (const fn of this.observers) {
      try {
        fn(event);
      } catch (err) {
        this.logger.error('outbox observer failed', { err: (err as Error).message });
      }
    }
    return event;
  }

  /** Calls `fn` with every event once it is stored (in-process observers, e.g. the kiosk feed); returns the unsubscribe. */
  onAppend(fn: (event: ApplianceEvent) => void): () => void {
    this.observers.add(fn);
    return () => this.observers.delete(fn);
  }

  /** Marks events as committed by the cloud; unknown ids are ignored. Returns how many were pending. */
  ack(ids: string[]): number {
    const known = ids.filter((id) => this.pending.has(id));
    if (known.length === 0) return 0;
    this.journal.append({ op: 'ack', ids: known });
    for (const id of known) this.pending.delete(id);
    this.acked += known.length;
    if (this.acked > 500 && this.journal.size > 4 * (this.pending.size + 1)) this.compact();
    return known.length;
  }

  /** Pending events in seq order. */
  list(): ApplianceEvent[] {
    return [...this.pending.values()].sort((a, b) => a.seq - b.seq);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  close(): void {
    this.journal.close();
  }

  private compact(): void {
    this.journal.compact([{ op: 'seq', next: this.nextSeq }, ...this.list().map((event) => ({ op: 'add' as const, event }))]);
    this.acked = 0;
  }
}
