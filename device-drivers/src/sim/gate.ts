import { GATE_MAX_OPEN_MS } from '@evalroom/contracts';
import type { DeviceHealth, GateEvents, GatePort } from '../ports';
import { TypedEmitter } from '../typed-emitter';

export interface SimGateOptions {
  /** When set, a person walks through this long after the gate opens (door sensor opens, then closes). */
  walkThroughMs?: number;
  /** How long the door stays open while someone walks through. */
  doorOpenMs?: number;
  /** A door still open this long after the gate closed raises `heldOpen`. */
  heldOpenAlarmMs?: number;
}

export interface GateHistoryEntry {
  at: string;
  event: 'opened' | 'closed' | 'doorOpened' | 'doorClosed' | 'forcedDoor' | 'heldOpen';
  durationMs?: number;
}

/**
 * A gate relay with a door sensor. Fail-secure: it starts closed, never stays open longer than
 * asked (capped at GATE_MAX_OPEN_MS) and closes when stopped.
 */
export class SimGate extends TypedEmitter<GateEvents> implements GatePort {
  readonly kind = 'gate' as const;
  readonly driver = 'simulated' as const;
  private running = false;
  private open_ = false;
  private doorOpen = false;
  private doorOpenedAt = 0;
  private closeTimer: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly log: GateHistoryEntry[] = [];
  private lastSeen: Date | undefined;

  constructor(private readonly options: SimGateOptions = {}) {
    super();
  }

  async start(): Promise<void> {
    this.running = true;
    this.open_ = false;
    this.lastSeen = new Date();
  }

  async stop(): Promise<void> {
    if (this.open_) this.setClosed();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.running = false;
  }

  health(): DeviceHealth {
    return { present: this.running, lastSeen: this.lastSeen, errors: 0, detail: { open: this.open_, doorOpen: this.doorOpen } };
  }

  isOpen(): boolean {
    return this.open_;
  }

  isDoorOpen(): boolean {
    return this.doorOpen;
  }

  history(): GateHistoryEntry[] {
    return [...this.log];
  }

  async open(durationMs: number): Promise<Date> {
    if (!this.running) throw new Error('gate is not started');
    const ms = Math.max(0, Math.min(durationMs, GATE_MAX_OPEN_MS));
    const at = new Date();
    if (this.closeTimer) this.clearTimer(this.closeTimer);
    if (!this.open_) {
      this.open_ = true;
      this.record('opened', ms);
      this.emit('opened');
    }
    this.closeTimer = this.later(ms, () => this.setClosed());
    if (this.options.walkThroughMs !== undefined) {
      this.later(this.options.walkThroughMs, () => {
        this.setDoor(true);
        this.later(this.options.doorOpenMs ?? 1000, () => this.setDoor(false));
      });
    }
    return at;
  }

  async close(): Promise<void> {
    if (this.open_) this.setClosed();
  }

  /** The door sensor as the outside world moves the door (sim API, tests). */
  setDoor(open: boolean): void {
    if (open === this.doorOpen) return;
    this.doorOpen = open;
    if (open) {
      this.doorOpenedAt = Date.now();
      this.record('doorOpened');
      this.emit('doorOpened');
      if (!this.open_) {
        this.record('forcedDoor');
        this.emit('forcedDoor');
      }
      if (this.options.heldOpenAlarmMs !== undefined) {
        const limit = this.options.heldOpenAlarmMs;
        this.later(limit, () => {
          if (this.doorOpen && !this.open_) {
            const ms = Date.now() - this.doorOpenedAt;
            this.record('heldOpen', ms);
            this.emit('heldOpen', ms);
          }
        });
      }
    } else {
      this.record('doorClosed');
      this.emit('doorClosed');
    }
  }

  private setClosed(): void {
    if (this.closeTimer) this.clearTimer(this.closeTimer);
    this.closeTimer = undefined;
    this.open_ = false;
    this.record('closed');
    this.emit('closed');
  }

  private record(event: GateHistoryEntry['event'], durationMs?: number): void {
    this.lastSeen = new Date();
    this.log.push({ at: this.lastSeen.toISOString(), event, ...(durationMs !== undefined ? { durationMs } : {}) });
    if (this.log.length > 500) this.log.shift();
  }

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private clearTimer(t: NodeJS.Timeout): void {
    clearTimeout(t);
    this.timers.delete(t);
  }
}
