import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { connect, type MqttClient } from 'mqtt';
import { cloudTopics, parseCloudTopic, type ApplianceChannel } from '@evalroom/contracts';
import { CLOUD_CONFIG, type CloudConfig } from '../config/config';
import { Database } from '../db/database';
import { EmbeddedBroker } from './embedded-broker';

export type InboundChannel = Extract<ApplianceChannel, 'reported' | 'events' | 'telemetry'>;
export type InboundHandler = (applianceId: string, payload: Buffer) => Promise<void>;
export type ConnectHandler = (applianceId: string) => void;

const SERVICE_USER = 'evalroom-cloud';

/**
 * The cloud's MQTT side: starts the embedded broker when no MQTT_URL is given, connects the
 * cloud's own client, and dispatches appliance messages to the handler registered per channel
 * (handlers register in onModuleInit; subscriptions start once every module is ready).
 */
@Injectable()
export class CloudMqtt implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CloudMqtt');
  private readonly handlers = new Map<InboundChannel, InboundHandler>();
  private readonly connectHandlers: ConnectHandler[] = [];
  private broker?: EmbeddedBroker;
  private client?: MqttClient;
  private brokerUrl = '';
  private markConnected!: () => void;
  private readonly connected = new Promise<void>((resolve) => (this.markConnected = resolve));
  private readonly serviceAuth: { username: string; password: string };

  constructor(
    @Inject(CLOUD_CONFIG) private readonly config: CloudConfig,
    @Inject(Database) private readonly db: Database,
  ) {
    this.serviceAuth = config.mqttUrl
      ? { username: config.mqttUsername ?? '', password: config.mqttPassword ?? '' }
      : { username: SERVICE_USER, password: randomBytes(24).toString('base64url') };
  }

  /** URL appliances use to reach the cloud broker. */
  get url(): string {
    return this.brokerUrl;
  }

  async onModuleInit(): Promise<void> {
    if (this.config.mqttUrl) {
      this.brokerUrl = this.config.mqttUrl;
      return;
    }
    // Credentials are read here (not in a repository) only to seed the broker at start.
    const rows = await this.db.query<{ id: string; secret_hash: string }>('SELECT id, secret_hash FROM appliances');
    this.broker = await EmbeddedBroker.start({
      host: this.config.host,
      port: this.config.embeddedMqttPort,
      service: this.serviceAuth,
      appliances: rows.rows.map((r) => ({ id: r.id, secretHash: r.secret_hash })),
      log: { log: (m) => this.logger.log(m), warn: (m) => this.logger.warn(m), error: (m) => this.logger.error(m) },
      onClient: (id, connected) => {
        if (connected && id !== this.client?.options.clientId) for (const h of this.connectHandlers) h(id);
      },
    });
    this.brokerUrl = `mqtt://${this.config.host}:${this.broker.port}`;
  }

  async onApplicationBootstrap(): Promise<void> {
    const client = connect(this.brokerUrl, {
      clientId: `evalroom-cloud-${randomBytes(4).toString('hex')}`,
      username: this.serviceAuth.username || undefined,
      password: this.serviceAuth.password || undefined,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
    });
    this.client = client;
    client.on('message', (topic, payload) => void this.dispatch(topic, payload));
    client.on('error', (err) => this.logger.warn(`mqtt: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`cloud broker ${this.brokerUrl} unreachable`)), 10_000);
      client.once('connect', () => {
        clearTimeout(t);
        resolve();
      });
    });
    const channels = [...this.handlers.keys()];
    if (channels.length) await client.subscribeAsync(channels.map((c) => cloudTopics.wildcard(c)), { qos: 1 });
    this.logger.log(`connected to ${this.brokerUrl}; subscribed to ${channels.join(', ')}`);
    this.markConnected();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client?.endAsync().catch(() => undefined);
    await this.broker?.stop();
  }

  /** One handler per inbound channel; it must validate the payload itself. */
  on(channel: InboundChannel, handler: InboundHandler): void {
    this.handlers.set(channel, handler);
  }

  /** Called when an appliance connects to the embedded broker. */
  onApplianceConnect(handler: ConnectHandler): void {
    this.connectHandlers.push(handler);
  }

  async publish(topic: string, payload: unknown, opts: { retain?: boolean; qos?: 0 | 1 } = {}): Promise<void> {
    await this.connected;
    await this.client!.publishAsync(topic, JSON.stringify(payload), { qos: opts.qos ?? 1, retain: opts.retain ?? false });
  }

  /** Tells the embedded broker about a new/changed appliance password hash. */
  setApplianceCredential(applianceId: string, secretHash: string | null): void {
    this.broker?.setCredential(applianceId, secretHash);
  }

  private async dispatch(topic: string, payload: Buffer): Promise<void> {
    const t = parseCloudTopic(topic);
    const handler = t && this.handlers.get(t.channel as InboundChannel);
    if (!t || !handler) {
      this.logger.warn(`rejected message on ${topic.slice(0, 200)}: no handler for this topic`);
      return;
    }
    try {
      await handler(t.applianceId, payload);
    } catch (err) {
      this.logger.error(`handling ${topic} failed: ${(err as Error).message}`);
    }
  }
}
