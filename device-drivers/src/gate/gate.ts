import { GATE_MAX_OPEN_MS } from '@evalroom/contracts';
import type { DeviceHealth, GateEvents, GatePort } from '../ports';
import { TypedEmitter } from '../typed-emitter';
import type { GpioChip, GpioLine, Level } from './gpio';

export interface GpioGateOptions {
  chip: GpioChip;
  relayPin: number;
  /** Relay board switched by a low level. */
  relayActiveLow?: boolean;
  doorSensorPin?: number;
  /** Level the sensor reads when the door is open (reed contacts differ). */
  doorOpenLevel?: Level;
  /** Sensor polling period when the platform gives no edge interrupts. */
  sensorPollMs?: number;
  /** A door open this long while the gate is not released raises `heldOpen`. */
  heldOpenMs?: number;
  /** A door opening this soon after the gate closed is the person still walking through, not forced. */
  forcedGraceMs?: number;
  /** Installs a process 'exit' hook that drives the relay closed (fail-secure on crash). */
  exitHook?: boolean;
  log?: (line: string) => void;
}

/**
 * Gate relay and door sensor on GPIO. Fail-secure: the relay is driven closed before anything
 * else at start (a restart after a crash never leaves the lock released), on stop, and from a
 * process exit hook; an open command is capped at GATE_MAX_OPEN_MS. Wire the lock so that an
 * unpowered relay means locked.
 */
export class GpioGate extends TypedEmitter<GateEvents> implements GatePort {
  readonly kind = 'gate' as const;
  readonly driver = 'real' as const;
  private relay?: GpioLine;
  private sensor?: GpioLine;
  private open_ = false;
  private doorOpen = false;
  private doorOpenedAt = 0;
  private closedAt = 0;
  private closeTimer?: NodeJS.Timeout;
  private heldTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private sensing: 'edge' | 'poll' | 'none' = 'none';
  private errors = 0;
  private lastError?: string;
  private lastSeen?: Date;
  private exitHook?: () => void;
  private readonly o: Required<Omit<GpioGateOptions, 'doorSensorPin' | 'log'>> & Pick<GpioGateOptions, 'doorSensorPin' | 'log'>;

  constructor(options: GpioGateOptions) {
    super((err, event) => options.log?.(`gate listener for ${event} threw: ${String(err)}`));
    this.o = {
      relayActiveLow: false,
      doorOpenLevel: 1,
      sensorPollMs: 50,
      heldOpenMs: 30_000,
      forcedGraceMs: 1500,
      exitHook: true,
      ...options,
    };
  }

  async start(): Promise<void> {
    if (this.relay) return;
    this.relay = await this.o.chip.output(this.o.relayPin, { activeLow: this.o.relayActiveLow });
    await this.relay.write(0);
    this.open_ = false;
    this.lastSeen = new Date();
    if (this.o.exitHook) {
      const relay = this.relay;
      this.exitHook = () => relay.writeSync(0);
      process.once('exit', this.exitHook);
    }
    if (this.o.doorSensorPin !== undefined) {
      this.sensor = await this.o.chip.input(this.o.doorSensorPin);
      this.doorOpen = (await this.sensor.read()) === this.o.doorOpenLevel;
      if (this.doorOpen) this.doorOpenedAt = Date.now();
      const edges = this.sensor.watch((v) => this.onSensor(v));
      this.sensing = edges ? 'edge' : 'poll';
      if (!edges) this.pollSensor();
    }
  }

  async stop(): Promise<void> {
    if (!this.relay) return;
    for (const t of [this.closeTimer, this.heldTimer, this.pollTimer]) if (t) clearTimeout(t);
    this.pollTimer = undefined;
    this.sensing = 'none';
    if (this.open_) await this.setClosed();
    else await this.relay.write(0);
    if (this.exitHook) process.removeListener('exit', this.exitHook);
    this.relay.close();
    this.sensor?.close();
    this.relay = undefined;
    this.sensor = undefined;
  }

  health(): DeviceHealth {
    return {
      present: this.relay !== undefined,
      lastSeen: this.lastSeen,
      errors: this.errors,
      detail: { open: this.open_, doorOpen: this.doorOpen, sensing: this.sensing, lastError: this.lastError ?? null },
    };
  }

  isOpen(): boolean {
    return this.open_;
  }

  async open(durationMs: number): Promise<Date> {
    if (!this.relay) throw new Error('gate is not started');
    const ms = Math.max(0, Math.min(Number.isFinite(durationMs) ? durationMs : 0, GATE_MAX_OPEN_MS));
    if (this.closeTimer) clearTimeout(this.closeTimer);
    const at = new Date();
    if (!this.open_) {
      await this.relay.write(1);
      this.open_ = true;
      this.lastSeen = at;
      this.emit('opened');
    }
    this.closeTimer = setTimeout(() => void this.setClosed().catch((e: Error) => this.fail(e)), ms);
    return at;
  }

  async close(): Promise<void> {
    if (this.open_) await this.setClosed();
  }

  private async setClosed(): Promise<void> {
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = undefined;
    if (!this.relay) return;
    await this.relay.write(0);
    this.open_ = false;
    this.closedAt = Date.now();
    this.lastSeen = new Date();
    this.emit('closed');
    if (this.doorOpen) this.armHeldOpen();
  }

  private pollSensor(): void {
    this.pollTimer = setTimeout(async () => {
      const sensor = this.sensor;
      if (!sensor) return;
      try {
        this.onSensor(await sensor.read());
      } catch (err) {
        this.fail(err as Error);
      }
      if (this.sensing === 'poll') this.pollSensor();
    }, this.o.sensorPollMs);
  }

  private onSensor(level: Level): void {
    const open = level === this.o.doorOpenLevel;
    if (open === this.doorOpen) return;
    this.doorOpen = open;
    this.lastSeen = new Date();
    if (open) {
      this.doorOpenedAt = Date.now();
      this.emit('doorOpened');
      if (!this.open_ && Date.now() - this.closedAt > this.o.forcedGraceMs) this.emit('forcedDoor');
      this.armHeldOpen();
    } else {
      if (this.heldTimer) clearTimeout(this.heldTimer);
      this.heldTimer = undefined;
      this.emit('doorClosed');
    }
  }

  private armHeldOpen(): void {
    if (this.heldTimer) clearTimeout(this.heldTimer);
    const due = Math.max(0, this.doorOpenedAt + this.o.heldOpenMs - Date.now());
    this.heldTimer = setTimeout(() => {
      this.heldTimer = undefined;
      if (!this.doorOpen) return;
      if (this.open_) return; // released on purpose: re-armed when the gate closes
      this.emit('heldOpen', Date.now() - this.doorOpenedAt);
    }, due);
  }

  private fail(err: Error): void {
    this.errors++;
    this.lastError = err.message;
    this.o.log?.(`gate: ${err.message}`);
    this.emit('error', err);
  }
}
