import { existsSync, readFileSync } from 'node:fs';
import { parsePayload, type ApplianceEventBody } from '@evalroom/contracts';
import { z } from 'zod';
import type { DeviceRequester } from '../devices/room-client';
import { atomicWriteFileSync } from '../store/atomic';
import type { Logger } from './logger';

export interface LockerLinkOptions {
  room: DeviceRequester;
  lockerId: string;
  record: (body: ApplianceEventBody) => void;
  /** Durable map of assigned slots (a restart still releases them on the way out). */
  stateFile: string;
  logger: Logger;
  timeoutMs?: number;
}

const Assigned = z.record(
  z.string().max(200),
  z.object({ checkinId: z.string().max(64), slot: z.number().int().positive() }).strict(),
);
type Assigned = z.infer<typeof Assigned>;

export type ReleaseResult = { ok: true; slot: number; checkinId: string } | { ok: false; reason: string };

/**
 * Phone lockers linked to check-in (issue 6): an admitted expert gets a slot, opened for them;
 * the same card read on the way out (already_checked_in) releases it, or staff do. Any locker
 * failure is an alarm and never touches the admission, which is already recorded.
 */
export class LockerLink {
  private assigned: Assigned = {};
  private readonly log: Logger;
  /** One locker operation at a time, so an exit read never races the assignment. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: LockerLinkOptions) {
    this.log = o.logger.child({ part: 'lockers', lockerId: o.lockerId });
    if (existsSync(o.stateFile)) {
      const parsed = parsePayload(Assigned, readFileSync(o.stateFile));
      if (parsed.ok) this.assigned = parsed.value;
      else this.log.error('locker assignments file is invalid; starting with none', { reason: parsed.reason });
    }
  }

  /** `sessionId/expertRef` → slot, for status. */
  assignments(): Assigned {
    return { ...this.assigned };
  }

  /** After an admission: assign a slot for the check-in and open it. */
  admitted(a: { checkinId: string; sessionId: string; expertRef: string }): Promise<void> {
    return this.serial(async () => {
      const key = `${a.sessionId}/${a.expertRef}`;
      if (this.assigned[key]) return; // already holds a slot (an override after a restart, say)
      const res = await this.o.room.request(this.o.lockerId, 'assign', { checkinId: a.checkinId }, this.o.timeoutMs ?? 3000);
      if (res.status === 'error') return this.alarm('locker_assign_failed', `no locker slot for check-in ${a.checkinId}: ${res.error.message}`);
      const slot = (res.data as { slot: number }).slot;
      this.assigned[key] = { checkinId: a.checkinId, slot };
      this.save();
      this.o.record({ type: 'locker.assigned', data: { checkinId: a.checkinId, sessionId: a.sessionId, expertRef: a.expertRef, lockerId: this.o.lockerId, lockerSlot: slot } });
      const open = await this.o.room.request(this.o.lockerId, 'open', { slot }, this.o.timeoutMs ?? 3000);
      if (open.status === 'error') this.alarm('locker_open_failed', `slot ${slot} did not open: ${open.error.message}`);
    });
  }

  /** The card of an admitted expert was read again (on the way out): open and release the slot. */
  cardOut(who: { sessionId: string; expertRef: string }): Promise<ReleaseResult> {
    return this.serial(() => this.release(`${who.sessionId}/${who.expertRef}`, 'card'));
  }

  /** Staff release, by check-in id or slot (room/appliance/request `locker.release`). */
  releaseByStaff(target: { checkinId?: string; slot?: number }, staffId: string): Promise<ReleaseResult> {
    return this.serial(async () => {
      const key = Object.keys(this.assigned).find((k) => {
        const a = this.assigned[k]!;
        return (target.checkinId !== undefined && a.checkinId === target.checkinId) || (target.slot !== undefined && a.slot === target.slot);
      });
      if (!key) return { ok: false, reason: 'no such locker assignment' };
      return this.release(key, 'staff', staffId);
    });
  }

  private async release(key: string, by: 'card' | 'staff', staffId?: string): Promise<ReleaseResult> {
    const a = this.assigned[key];
    if (!a) return { ok: false, reason: 'no locker assigned' };
    const open = await this.o.room.request(this.o.lockerId, 'open', { slot: a.slot }, this.o.timeoutMs ?? 3000);
    if (open.status === 'error') this.alarm('locker_open_failed', `slot ${a.slot} did not open for release: ${open.error.message}`);
    const res = await this.o.room.request(this.o.lockerId, 'release', { slot: a.slot }, this.o.timeoutMs ?? 3000);
    if (res.status === 'error') {
      this.alarm('locker_release_failed', `slot ${a.slot} was not released: ${res.error.message}`);
      return { ok: false, reason: res.error.message };
    }
    delete this.assigned[key];
    this.save();
    this.o.record({
      type: 'locker.released',
      data: { checkinId: a.checkinId, lockerId: this.o.lockerId, lockerSlot: a.slot, by, ...(staffId ? { staffId } : {}) },
    });
    return { ok: true, slot: a.slot, checkinId: a.checkinId };
  }

  private alarm(alarm: string, message: string): void {
    this.log.warn(message, { alarm });
    this.o.record({ type: 'alarm.raised', data: { alarm, severity: 'warning', source: this.o.lockerId, message: message.slice(0, 300) } });
  }

  private save(): void {
    atomicWriteFileSync(this.o.stateFile, JSON.stringify(this.assigned), 0o600);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch((err: Error) => this.log.error('locker operation failed', { err: err.message }));
    return run;
  }
}
