import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PiiCipher } from '../crypto/pii-cipher';
import { CLOCK, type Clock } from '../rules/clock';
import { PLATFORM_EVENTS, type PlatformEvent } from './events';
import { PlatformRepository } from './platform.repository';
import { backoffMs, SIGNATURE_HEADER, signPayload } from './signature';

export interface WebhookOptions {
  baseBackoffMs: number;
  maxBackoffMs: number;
  maxAttempts: number;
  timeoutMs: number;
  /** Delivery and outbox poll period; 0 disables the timer (tests call tick()). */
  pollMs: number;
  usageEveryMs: number;
}
export const WEBHOOK_OPTIONS = Symbol('WEBHOOK_OPTIONS');
export const DEFAULT_WEBHOOK_OPTIONS: WebhookOptions = { baseBackoffMs: 5_000, maxBackoffMs: 3_600_000, maxAttempts: 10, timeoutMs: 10_000, pollMs: 5_000, usageEveryMs: 3_600_000 };

/**
 * Outgoing webhooks to the provincial coordination platform: HMAC-signed, retried with
 * exponential backoff, every attempt logged in webhook_deliveries. An outbox scan turns new
 * sign-ins, closed sessions and decided booking changes into events.
 */
@Injectable()
export class WebhooksService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private lastUsage = 0;
  private readonly opts: WebhookOptions;

  constructor(
    @Inject(PlatformRepository) private readonly repo: PlatformRepository,
    @Inject(PiiCipher) private readonly cipher: PiiCipher,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(WEBHOOK_OPTIONS) opts?: Partial<WebhookOptions>,
  ) {
    this.opts = { ...DEFAULT_WEBHOOK_OPTIONS, ...opts };
  }

  onApplicationBootstrap(): void {
    if (this.opts.pollMs > 0) {
      this.timer = setInterval(() => {
        if (!this.running) this.running = this.tick().catch((e: Error) => this.logger.warn(`webhook tick failed: ${e.message}`)).finally(() => (this.running = undefined));
      }, this.opts.pollMs);
      this.timer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Registers a receiver; the signing secret is returned once and kept sealed at rest. */
  async subscribe(url: string, events: PlatformEvent[]): Promise<{ id: string; secret: string }> {
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    await this.repo.addSubscription(id, url, this.cipher.seal(secret, `webhook:${id}`), events);
    return { id, secret };
  }

  emit(event: PlatformEvent, payload: unknown): Promise<number> {
    return this.repo.enqueue(() => randomUUID(), event, payload, this.clock.now());
  }

  /** One round: outbox scan, periodic usage, then due deliveries. */
  async tick(): Promise<{ delivered: number; retried: number; failed: number }> {
    await this.scanOutbox();
    return this.deliverDue();
  }

  async scanOutbox(): Promise<void> {
    const signinsAt = await this.repo.cursor('signins');
    const signins = await this.repo.signinsSince(signinsAt, 500);
    for (const s of signins) await this.emit(PLATFORM_EVENTS.signin, { checkinId: s.checkinId, sessionId: s.sessionId, expertRef: s.expertRef, venueId: s.venueId, roomId: s.roomId, arrivedAt: s.arrivedAt.toISOString(), method: s.method });
    if (signins.length) await this.repo.setCursor('signins', signins[signins.length - 1]!.recordedAt);

    const closedAt = await this.repo.cursor('closed');
    const closed = await this.repo.closedSince(closedAt);
    for (const c of closed) await this.emit(PLATFORM_EVENTS.projectCompleted, { sessionId: c.sessionId, projectCode: c.projectCode, closedAt: new Date(c.at).toISOString(), workstations: c.workstations });
    if (closed.length) await this.repo.setCursor('closed', new Date(closed[closed.length - 1]!.at));

    const changesAt = await this.repo.cursor('changes');
    const changes = await this.repo.changesSince(changesAt);
    for (const c of changes) await this.emit(PLATFORM_EVENTS.venueChanged, { changeId: c.changeId, requestId: c.requestId, status: c.status, from: new Date(c.from).toISOString(), to: new Date(c.to).toISOString(), venueIds: c.venueIds });
    if (changes.length) await this.repo.setCursor('changes', new Date(changes[changes.length - 1]!.decidedAt));

    const now = this.clock.now();
    if (now.getTime() - this.lastUsage >= this.opts.usageEveryMs) {
      this.lastUsage = now.getTime();
      const day = new Date(now.getTime() + 86_400_000);
      await this.emit(PLATFORM_EVENTS.venueUsage, { from: now.toISOString(), to: day.toISOString(), venues: await this.repo.usage(now, day) });
    }
  }

  async deliverDue(limit = 100): Promise<{ delivered: number; retried: number; failed: number }> {
    const out = { delivered: 0, retried: 0, failed: 0 };
    for (const d of await this.repo.due(this.clock.now(), limit)) {
      const body = JSON.stringify({ id: d.id, event: d.event, data: d.payload });
      const secret = this.cipher.open(d.sealedSecret, `webhook:${d.subscriptionId}`);
      const now = this.clock.now();
      let status: number | null = null;
      let error = '';
      try {
        const res = await fetch(d.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signPayload(secret, body, Math.floor(now.getTime() / 1000)), 'x-evalroom-event': d.event, 'x-evalroom-delivery': d.id },
          body,
          signal: AbortSignal.timeout(this.opts.timeoutMs),
          redirect: 'error',
        });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          await this.repo.markDelivered(d.id, res.status, now);
          out.delivered += 1;
          continue;
        }
        error = `HTTP ${res.status}`;
      } catch (e) {
        error = (e as Error).message;
      }
      const attempt = d.attempts + 1;
      const next = attempt >= this.opts.maxAttempts ? null : new Date(now.getTime() + backoffMs(attempt, this.opts.baseBackoffMs, this.opts.maxBackoffMs));
      await this.repo.markFailedAttempt(d.id, status, error, next);
      if (next) out.retried += 1;
      else out.failed += 1;
    }
    return out;
  }

  deliveries(limit?: number) {
    return this.repo.deliveries(limit);
  }
}
