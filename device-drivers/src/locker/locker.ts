import type { DeviceHealth, LockerEvents, LockerPort } from '../ports';
import type { ByteTransport } from '../idreader/transport';
import { TypedEmitter } from '../typed-emitter';
import { encodeLockerFrame, LockerCmd, LockerDecoder, STATUS_DOOR_OPEN, STATUS_FAULT, STATUS_OCCUPIED, type LockerFrame } from './protocol';

export interface SerialLockerOptions {
  openTransport: () => Promise<ByteTransport>;
  /** Board address on the RS-485 bus. */
  address?: number;
  slots: number;
  responseTimeoutMs?: number;
  log?: (line: string) => void;
}

/**
 * A phone-locker bank on a serial control board. Slots are assigned per check-in id (one slot
 * per expert, the same slot on a repeat request) and released at check-out; doors report
 * open/closed and occupancy on their own.
 */
export class SerialLockerBank extends TypedEmitter<LockerEvents> implements LockerPort {
  readonly kind = 'locker' as const;
  readonly driver = 'real' as const;
  private transport?: ByteTransport;
  private readonly decoder = new LockerDecoder(true, (f) => this.onFrame(f));
  private readonly assigned = new Map<number, string>();
  private readonly doors = new Map<number, { open: boolean; occupied: boolean }>();
  private waiting?: { cmd: number; slot: number; resolve: (status: number) => void };
  private queue: Promise<unknown> = Promise.resolve();
  private errors = 0;
  private lastError?: string;
  private lastSeen?: Date;
  private readonly address: number;

  constructor(private readonly o: SerialLockerOptions) {
    super((err, event) => o.log?.(`locker listener for ${event} threw: ${String(err)}`));
    this.address = o.address ?? 1;
  }

  async start(): Promise<void> {
    if (this.transport) return;
    this.transport = await this.o.openTransport();
    this.transport.onData((c) => this.decoder.push(c));
    // Learn the doors' state; a board that does not answer is reported, not fatal.
    try {
      await this.request(LockerCmd.query, 1);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  async stop(): Promise<void> {
    await this.transport?.close();
    this.transport = undefined;
  }

  health(): DeviceHealth {
    return {
      present: Boolean(this.transport?.isOpen()) && this.lastSeen !== undefined,
      lastSeen: this.lastSeen,
      errors: this.errors,
      detail: { slots: this.o.slots, assigned: this.assigned.size, droppedBytes: this.decoder.dropped, lastError: this.lastError ?? null },
    };
  }

  async assign(checkinId: string): Promise<number> {
    for (const [slot, owner] of this.assigned) if (owner === checkinId) return slot;
    for (let slot = 1; slot <= this.o.slots; slot++) {
      if (!this.assigned.has(slot)) {
        this.assigned.set(slot, checkinId);
        return slot;
      }
    }
    throw new Error('no free locker slot');
  }

  async open(slot: number): Promise<void> {
    this.check(slot);
    const status = await this.request(LockerCmd.unlock, slot);
    if (status & STATUS_FAULT) throw this.fail(new Error(`locker slot ${slot} reports a fault (status 0x${status.toString(16)})`));
  }

  async release(slot: number): Promise<void> {
    this.check(slot);
    this.assigned.delete(slot);
  }

  private check(slot: number): void {
    if (!this.transport) throw new Error('locker is not started');
    if (!Number.isInteger(slot) || slot < 1 || slot > this.o.slots) throw new Error(`no slot ${slot}`);
  }

  private request(cmd: number, slot: number): Promise<number> {
    const run = () =>
      new Promise<number>((resolve, reject) => {
        const t = setTimeout(() => {
          this.waiting = undefined;
          reject(new Error(`locker board did not answer command 0x${cmd.toString(16)} for slot ${slot}`));
        }, this.o.responseTimeoutMs ?? 500);
        this.waiting = {
          cmd,
          slot,
          resolve: (s) => {
            clearTimeout(t);
            this.waiting = undefined;
            resolve(s);
          },
        };
        this.transport!.write(encodeLockerFrame({ addr: this.address, cmd, slot })).catch((e: Error) => {
          clearTimeout(t);
          this.waiting = undefined;
          reject(e);
        });
      });
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private onFrame(f: LockerFrame): void {
    if (f.addr !== this.address || f.status === undefined) return;
    this.lastSeen = new Date();
    if (this.waiting && this.waiting.cmd === f.cmd && this.waiting.slot === f.slot) this.waiting.resolve(f.status);
    this.applyDoor(f.slot, f.status);
  }

  private applyDoor(slot: number, status: number): void {
    if (slot < 1 || slot > this.o.slots || status & STATUS_FAULT) return;
    const open = (status & STATUS_DOOR_OPEN) !== 0;
    const occupied = (status & STATUS_OCCUPIED) !== 0;
    const prev = this.doors.get(slot);
    this.doors.set(slot, { open, occupied });
    if (!prev || prev.open === open) return;
    if (open) this.emit('slotOpened', slot);
    else this.emit('slotClosed', slot, occupied);
  }

  private fail(err: Error): Error {
    this.errors++;
    this.lastError = err.message;
    this.o.log?.(`locker: ${err.message}`);
    this.emit('error', err);
    return err;
  }
}
