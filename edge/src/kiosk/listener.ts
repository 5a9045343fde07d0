import { ApplianceEvent, deviceEventSchema, parseDeviceTopic, parsePayload, roomTopics } from '@evalroom/contracts';
import { connect, type MqttClient } from 'mqtt';
import type { Logger } from '../app/logger';
import type { KioskFeed } from './feed';

export interface KioskListenerOptions {
  brokerUrl: string;
  /** Password of the room broker's `kiosk` identity (secrets/room-credentials.json). */
  password: string;
  /** ID readers whose card.read events give the name on the card. */
  readerIds: string[];
  feed: KioskFeed;
  logger: Logger;
}

/**
 * The kiosk on the room broker as user `kiosk` (observe only): the appliance's events and the
 * readers' card events, validated against the contracts, into the feed. Card photos and id
 * numbers are dropped here; only the printed name is kept.
 */
export class KioskListener {
  private client: MqttClient | undefined;
  private readonly readerSchema = deviceEventSchema('idreader');
  private readonly log: Logger;

  constructor(private readonly opts: KioskListenerOptions) {
    this.log = opts.logger.child({ part: 'kiosk-room' });
  }

  /** Connects and subscribes; resolves on the first SUBACK or after `timeoutMs` (it keeps trying). */
  async start(timeoutMs = 5000): Promise<void> {
    const topics = [roomTopics.applianceEvent, ...this.opts.readerIds.map((id) => roomTopics.device(id, 'event'))];
    const client = connect(this.opts.brokerUrl, {
      clientId: 'kiosk',
      username: 'kiosk',
      password: this.opts.password,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 2000,
    });
    this.client = client;
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('error', (err) => this.log.warn('kiosk room mqtt error', { err: err.message }));
    let subscribed: () => void = () => {};
    const first = new Promise<void>((r) => (subscribed = r));
    client.on('connect', () => {
      client
        .subscribeAsync(topics, { qos: 1 })
        .then((granted) => {
          const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic);
          if (refused.length) this.log.error('kiosk subscriptions refused by the room broker', { refused });
          subscribed();
        })
        .catch((err: Error) => this.log.warn('kiosk subscribe failed', { err: err.message }));
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([first, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    if (!client.connected) this.log.warn('kiosk not yet connected to the room broker; retrying in the background', { url: this.opts.brokerUrl });
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.endAsync(true);
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === roomTopics.applianceEvent) {
      const ev = parsePayload(ApplianceEvent, payload);
      if (!ev.ok) return this.log.warn('appliance event rejected by the kiosk', { reason: ev.reason });
      this.opts.feed.event(ev.value);
      return;
    }
    const t = parseDeviceTopic(topic);
    if (!t || t.channel !== 'event' || !this.opts.readerIds.includes(t.deviceId)) return;
    const ev = parsePayload(this.readerSchema, payload);
    if (!ev.ok) return this.log.warn('reader event rejected by the kiosk', { deviceId: t.deviceId, reason: ev.reason });
    if (ev.value.event.type === 'card.read') this.opts.feed.cardRead(ev.value.event.card.name);
  }
}
