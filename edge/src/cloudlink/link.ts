import { DesiredState, EventAck, ReportedState, cloudTopics, parseCloudTopic, parsePayload } from '@evalroom/contracts';
import { connect, type MqttClient } from 'mqtt';
import type { Logger } from '../app/logger';
import type { CloudCredentials } from '../config/secrets';
import type { DesiredStore } from './desired-store';
import type { Outbox } from './outbox';
import type { TelemetryStore } from './telemetry-store';

export interface CloudLinkOptions {
  mqttUrl: string;
  applianceId: string;
  credentials: CloudCredentials;
  desired: DesiredStore;
  outbox: Outbox;
  telemetry: TelemetryStore;
  logger: Logger;
  /** Unacknowledged events are sent again after this long. */
  retryMs?: number;
  /** Fields of the reported state that the rest of the appliance knows (devices, firmware…). */
  reported?: () => Pick<ReportedState, 'devices' | 'firmware'>;
  onDesired?: (desired: DesiredState) => void;
}

/**
 * The appliance's link to the cloud broker: retained desired state in, retained reported state
 * out (Last Will = offline), events from the durable outbox out at QoS 1 until the cloud acks
 * them, telemetry store-and-forward. Works from the cached desired state while disconnected.
 */
export class CloudLink {
  private client: MqttClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly sentAt = new Map<string, number>();
  private readonly telemetryInFlight = new Set<string>();
  private readonly log: Logger;

  constructor(private readonly opts: CloudLinkOptions) {
    this.log = opts.logger.child({ part: 'cloudlink' });
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Starts connecting in the background; never waits for the cloud. */
  start(): void {
    const { applianceId, credentials, mqttUrl } = this.opts;
    if (credentials.username !== applianceId) this.log.warn('cloud username differs from the appliance id', { username: credentials.username });
    const client = connect(mqttUrl, {
      clientId: applianceId,
      username: credentials.username,
      password: credentials.password,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      will: { topic: cloudTopics.appliance(applianceId, 'reported'), payload: Buffer.from(JSON.stringify(this.reportedDoc(false))), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => {
      this.log.info('connected to the cloud broker');
      this.sentAt.clear();
      this.telemetryInFlight.clear();
      client.subscribe(
        [cloudTopics.appliance(applianceId, 'desired'), cloudTopics.appliance(applianceId, 'acks')],
        { qos: 1 },
        (err) => err && this.log.error('cloud subscribe failed', { err: err.message }),
      );
      this.publishReported();
      this.flush();
    });
    client.on('close', () => this.log.debug('cloud connection closed'));
    client.on('error', (err) => this.log.warn('cloud mqtt error', { err: err.message }));
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    this.timer = setInterval(() => this.flush(), Math.max(200, Math.floor((this.opts.retryMs ?? 5000) / 2)));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (client.connected) {
      await Promise.race([
        new Promise<void>((r) =>
          client.publish(cloudTopics.appliance(this.opts.applianceId, 'reported'), JSON.stringify(this.reportedDoc(false)), { qos: 1, retain: true }, () => r()),
        ),
        new Promise<void>((r) => setTimeout(r, 1000).unref()),
      ]);
    }
    await client.endAsync(true).catch(() => undefined);
  }

  private reportedDoc(online: boolean): ReportedState {
    const desired = this.opts.desired.get();
    return {
      v: 1,
      applianceId: this.opts.applianceId,
      online,
      ts: new Date().toISOString(),
      ...(desired ? { appliedVersion: desired.version } : {}),
      ...(online ? (this.opts.reported?.() ?? {}) : {}),
      outboxPending: this.opts.outbox.pendingCount,
    };
  }

  publishReported(): void {
    if (!this.client?.connected) return;
    this.client.publish(cloudTopics.appliance(this.opts.applianceId, 'reported'), JSON.stringify(this.reportedDoc(true)), { qos: 1, retain: true });
  }

  /** Sends every pending event not sent within the retry interval, and pending telemetry. */
  flush(): void {
    const client = this.client;
    if (!client?.connected) return;
    const now = Date.now();
    const retryMs = this.opts.retryMs ?? 5000;
    const topic = cloudTopics.appliance(this.opts.applianceId, 'events');
    for (const event of this.opts.outbox.list()) {
      const last = this.sentAt.get(event.eventId);
      if (last !== undefined && now - last < retryMs) continue;
      this.sentAt.set(event.eventId, now);
      client.publish(topic, JSON.stringify(event), { qos: 1 });
    }
    const ttopic = cloudTopics.appliance(this.opts.applianceId, 'telemetry');
    for (const batch of this.opts.telemetry.list()) {
      if (this.telemetryInFlight.has(batch.batchId)) continue;
      this.telemetryInFlight.add(batch.batchId);
      client.publish(ttopic, JSON.stringify(batch), { qos: 1 }, (err) => {
        this.telemetryInFlight.delete(batch.batchId);
        if (!err) this.opts.telemetry.done([batch.batchId]);
      });
    }
  }

  private onMessage(topic: string, payload: Buffer): void {
    const t = parseCloudTopic(topic);
    if (!t || t.applianceId !== this.opts.applianceId) {
      this.log.warn('cloud message on an unexpected topic ignored', { topic });
      return;
    }
    if (t.channel === 'desired') {
      if (payload.length === 0) {
        this.log.warn('desired state cleared by the cloud; keeping the cached one');
        return;
      }
      const parsed = parsePayload(DesiredState, payload);
      if (!parsed.ok) {
        this.log.warn('malformed desired state rejected', { reason: parsed.reason });
        return;
      }
      const result = this.opts.desired.offer(parsed.value);
      if (!result.applied) {
        this.log.info('desired state not applied', { reason: result.reason });
        return;
      }
      this.log.info('desired state applied', { version: parsed.value.version, sessions: parsed.value.sessions.length });
      this.opts.onDesired?.(parsed.value);
      this.publishReported();
    } else if (t.channel === 'acks') {
      const parsed = parsePayload(EventAck, payload);
      if (!parsed.ok) {
        this.log.warn('malformed acks rejected', { reason: parsed.reason });
        return;
      }
      const n = this.opts.outbox.ack(parsed.value.eventIds);
      this.opts.telemetry.done(parsed.value.eventIds);
      for (const id of parsed.value.eventIds) this.sentAt.delete(id);
      if (n) this.log.debug('events acknowledged', { count: n, pending: this.opts.outbox.pendingCount });
    } else {
      this.log.warn('cloud message on a channel the appliance does not read', { topic });
    }
  }
}
