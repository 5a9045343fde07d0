import type { DeviceHealth, LockerEvents, LockerPort } from '../ports';
import { TypedEmitter } from '../typed-emitter';

/** A bank of phone lockers. Slots are numbered from 1. */
export class SimLocker extends TypedEmitter<LockerEvents> implements LockerPort {
  readonly kind = 'locker' as const;
  readonly driver = 'simulated' as const;
  private running = false;
  private readonly assigned = new Map<number, string>();
  private readonly slots: number;

  constructor(options: { slots?: number } = {}) {
    super();
    this.slots = options.slots ?? 24;
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  health(): DeviceHealth {
    return { present: this.running, errors: 0, detail: { slots: this.slots, assigned: this.assigned.size } };
  }

  async assign(checkinId: string): Promise<number> {
    for (const [slot, owner] of this.assigned) if (owner === checkinId) return slot;
    for (let slot = 1; slot <= this.slots; slot++) {
      if (!this.assigned.has(slot)) {
        this.assigned.set(slot, checkinId);
        return slot;
      }
    }
    throw new Error('no free locker slot');
  }

  async open(slot: number): Promise<void> {
    this.checkSlot(slot);
    this.emit('slotOpened', slot);
  }

  /** The user shuts the door (sim API / tests). */
  closeSlot(slot: number, occupied: boolean): void {
    this.checkSlot(slot);
    this.emit('slotClosed', slot, occupied);
  }

  async release(slot: number): Promise<void> {
    this.checkSlot(slot);
    this.assigned.delete(slot);
  }

  private checkSlot(slot: number): void {
    if (!this.running) throw new Error('locker is not started');
    if (!Number.isInteger(slot) || slot < 1 || slot > this.slots) throw new Error(`no slot ${slot}`);
  }
}
