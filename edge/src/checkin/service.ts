import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ApplianceEventBody, FaceVerifier, IdCard, StaffOverride } from '@evalroom/contracts';
import type { Logger } from '../app/logger';
import type { DeviceRequester } from '../devices/room-client';
import { initialDoorState, step, type CheckinContext, type CheckinEffect, type CheckinInput, type DoorState } from './machine';

export interface CheckinServiceOptions {
  room: DeviceRequester;
  face: FaceVerifier;
  /** Stores the event durably and tells the room; called synchronously for each outcome. */
  record: (body: ApplianceEventBody) => void;
  context: () => CheckinContext;
  gateId: string;
  faceSource: { deviceId: string; kind: 'camera' | 'tablet' };
  gateOpenMs: number;
  faceCaptureTimeoutMs: number;
  logger: Logger;
  deviceTimeoutMs?: number;
  now?: () => Date;
  newId?: () => string;
  /** Admissions already made (`sessionId/expertRef` → checkinId), e.g. restored after a restart. */
  admitted?: Record<string, string>;
  /**
   * A card read again within this many ms of an admission (or an already_checked_in answer) is
   * ignored silently: people tap twice, and each tap must not become an event. 0 turns it off.
   */
  repeatTapWindowMs?: number;
  /** Called when the gate command goes out: ms since the card event reached the appliance. */
  onGateCommand?: (checkinId: string, msSinceCard: number) => void;
}

type Settled = { ok: true; body: ApplianceEventBody } | { ok: false; reason: string };

/**
 * Runs the check-in machine: feeds inputs to the pure step function and executes the effects it
 * returns. Images live only in the effect objects in memory; nothing here logs or stores them.
 */
export class CheckinService {
  private state: DoorState = initialDoorState();
  private readonly cardAt = new Map<string, number>();
  private readonly waiters = new Map<string, (s: Settled) => void>();
  /** Card key (SHA-256 of the ID number, never the number itself) per check-in under way. */
  private readonly cardOf = new Map<string, string>();
  /** Card key → when it was last admitted or told already_checked_in (ms). */
  private readonly lastTap = new Map<string, number>();
  private closed = false;
  /** Reads ignored as repeat taps (telemetry). */
  repeatTaps = 0;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly newId: () => string;

  constructor(private readonly opts: CheckinServiceOptions) {
    this.log = opts.logger.child({ part: 'checkin' });
    this.now = opts.now ?? (() => new Date());
    this.newId = opts.newId ?? (() => randomUUID());
    this.state = { ...initialDoorState(), admitted: { ...(opts.admitted ?? {}) } };
  }

  /** Admissions so far (`sessionId/expertRef` → checkinId). */
  admissions(): Record<string, string> {
    return { ...this.state.admitted };
  }

  snapshot(): { phase: DoorState['door']['phase']; checkinId?: string; admitted: number; overridable: DoorState['overridable'] } {
    const d = this.state.door;
    return { phase: d.phase, ...(d.phase !== 'idle' ? { checkinId: d.attempt.checkinId } : {}), admitted: Object.keys(this.state.admitted).length, overridable: this.state.overridable };
  }

  /** No new check-ins or overrides from now on (shutdown); attempts under way still finish. */
  close(): void {
    this.closed = true;
  }

  /**
   * A card was read; returns the check-in id (the outcome arrives as a recorded event), or
   * undefined when the read is ignored (a repeat tap within the window, or the appliance stopping).
   */
  cardRead(card: IdCard): string | undefined {
    if (this.closed) {
      this.log.info('card read ignored: appliance stopping');
      return undefined;
    }
    const key = createHash('sha256').update(`evalroom-tap\n${card.idNumber}`).digest('hex');
    const window = this.opts.repeatTapWindowMs ?? 0;
    const nowMs = this.now().getTime();
    for (const [k, at] of this.lastTap) if (nowMs - at >= window) this.lastTap.delete(k);
    if (window > 0 && this.lastTap.has(key)) {
      this.repeatTaps++;
      this.log.debug('repeat tap ignored', { windowMs: window });
      return undefined;
    }
    const checkinId = this.newId();
    this.cardAt.set(checkinId, performance.now());
    this.cardOf.set(checkinId, key);
    this.dispatch({ type: 'card_read', checkinId, card, at: this.now() });
    return checkinId;
  }

  cardRemoved(): void {
    this.dispatch({ type: 'card_removed', at: this.now() });
  }

  /** Staff admits a rejected check-in; resolves once the gate opened (or why not). */
  override(checkinId: string, override: StaffOverride): Promise<Settled> {
    if (this.closed) return Promise.resolve({ ok: false, reason: 'appliance stopping' });
    const settled = new Promise<Settled>((resolve) => this.waiters.set(checkinId, resolve));
    const effects = this.dispatch({ type: 'override', checkinId, override, at: this.now() });
    const ignored = effects.find((e) => e.type === 'ignored');
    if (ignored && ignored.type === 'ignored') {
      this.waiters.delete(checkinId);
      return Promise.resolve({ ok: false, reason: ignored.reason });
    }
    return settled;
  }

  /** Resolves when the given check-in reaches an outcome. */
  settled(checkinId: string): Promise<Settled> {
    return new Promise((resolve) => this.waiters.set(checkinId, resolve));
  }

  private dispatch(input: CheckinInput): CheckinEffect[] {
    const { state, effects } = step(this.state, input, this.opts.context());
    this.state = state;
    for (const effect of effects) this.run(effect);
    return effects;
  }

  private run(effect: CheckinEffect): void {
    switch (effect.type) {
      case 'ignored':
        this.log.info('check-in input ignored', { reason: effect.reason });
        return;
      case 'record': {
        try {
          this.opts.record(effect.body);
        } catch (err) {
          this.log.error('recording a check-in event failed', { type: effect.body.type, err: (err as Error).message });
        }
        const data = effect.body.data as { checkinId?: string; outcome?: string };
        if (effect.body.type === 'checkin.admitted' || effect.body.type === 'checkin.rejected') {
          this.log.info(effect.body.type, { checkinId: data.checkinId, outcome: data.outcome ?? 'admitted' });
          const id = data.checkinId!;
          this.cardAt.delete(id);
          const key = this.cardOf.get(id);
          this.cardOf.delete(id);
          if (key && (effect.body.type === 'checkin.admitted' || data.outcome === 'already_checked_in')) this.lastTap.set(key, this.now().getTime());
          const w = this.waiters.get(id);
          this.waiters.delete(id);
          w?.(effect.body.type === 'checkin.admitted' ? { ok: true, body: effect.body } : { ok: false, reason: `${data.outcome}` });
        }
        return;
      }
      case 'capture_face':
        void this.captureFace(effect.checkinId);
        return;
      case 'verify_face':
        void this.verifyFace(effect.checkinId, effect.probe, effect.reference);
        return;
      case 'open_gate':
        void this.openGate(effect.checkinId, effect.reason);
        return;
    }
  }

  private async captureFace(checkinId: string): Promise<void> {
    const { deviceId, kind } = this.opts.faceSource;
    const timeout = this.opts.faceCaptureTimeoutMs;
    const res =
      kind === 'camera'
        ? await this.opts.room.request(deviceId, 'capture', {}, timeout)
        : await this.opts.room.request(deviceId, 'face.capture', { timeoutMs: Math.max(1000, timeout) }, timeout + 1000);
    if (res.status === 'error') {
      this.dispatch({ type: 'face_capture_failed', checkinId, outcome: res.error.code === 'timeout' ? 'timeout' : 'capture_failed', message: res.error.message });
      return;
    }
    const image = Buffer.from((res.data as { image: string }).image, 'base64');
    this.dispatch({ type: 'face_captured', checkinId, image });
  }

  private async verifyFace(checkinId: string, probe: Buffer, reference: Buffer): Promise<void> {
    try {
      const check = await this.opts.face.verify({ probe, reference });
      this.dispatch({ type: 'face_checked', checkinId, check });
    } catch (err) {
      this.dispatch({ type: 'face_check_failed', checkinId, message: (err as Error).message });
    }
  }

  private async openGate(checkinId: string, reason: 'checkin' | 'override'): Promise<void> {
    const t0 = this.cardAt.get(checkinId);
    if (t0 !== undefined) this.opts.onGateCommand?.(checkinId, performance.now() - t0);
    const res = await this.opts.room.request(
      this.opts.gateId,
      'open',
      { durationMs: this.opts.gateOpenMs, reason, checkinId },
      this.opts.deviceTimeoutMs ?? 3000,
    );
    if (res.status === 'ok') this.dispatch({ type: 'gate_opened', checkinId, at: this.now() });
    else this.dispatch({ type: 'gate_failed', checkinId, outcome: res.error.code === 'timeout' ? 'timeout' : 'device_error', message: res.error.message });
  }
}
