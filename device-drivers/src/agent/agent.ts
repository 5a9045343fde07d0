import {
  DeviceCommands,
  DeviceState,
  RequestEnvelope,
  deviceEventSchema,
  errorResponse,
  okResponse,
  parsePayload,
  roomTopics,
  validate,
  type DeviceEventBody,
  type DeviceKind,
  type ResponseEnvelope,
} from '@evalroom/contracts';
import { connect, type MqttClient } from 'mqtt';
import type { z } from 'zod';
import type { AnyDevicePort } from '../ports';
import { runCommand } from './commands';

export interface AgentLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: AgentLogger = { info() {}, warn() {}, error() {} };

export interface DeviceAgentOptions {
  deviceId: string;
  port: AnyDevicePort;
  /** mqtt://host:port of the room broker. */
  brokerUrl: string;
  /** The device's own password; the username and client id are the device id. */
  password: string;
  logger?: AgentLogger;
  /** Retained state is refreshed this often (health changes between events). */
  stateIntervalMs?: number;
}

/**
 * Bridges one device port to the room broker: retained `state` with a Last Will, sequence-
 * numbered `event`s, and `request` → `response` for the kind's DeviceCommands. Bad requests are
 * answered with `bad_request` and never reach the device.
 */
export class DeviceAgent {
  private client: MqttClient | undefined;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly log: AgentLogger;
  private readonly eventSchema: z.ZodType;
  private readonly kind: DeviceKind;
  private lastOpenTransaction: string | undefined;

  constructor(private readonly opts: DeviceAgentOptions) {
    this.log = opts.logger ?? silentLogger;
    this.kind = opts.port.kind;
    this.eventSchema = deviceEventSchema(this.kind);
  }

  get deviceId(): string {
    return this.opts.deviceId;
  }

  async start(): Promise<void> {
    const { deviceId, brokerUrl, password } = this.opts;
    await this.opts.port.start();
    this.wireEvents();
    const client = connect(brokerUrl, {
      clientId: deviceId,
      username: deviceId,
      password,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      will: {
        topic: roomTopics.device(deviceId, 'state'),
        payload: Buffer.from(JSON.stringify(this.stateDoc(false))),
        qos: 1,
        retain: true,
      },
    });
    this.client = client;
    client.on('connect', () => {
      client.subscribe(roomTopics.device(deviceId, 'request'), { qos: 1 }, (err) => {
        if (err) this.log.error('agent subscribe failed', { deviceId, err: err.message });
      });
      this.publishState();
    });
    client.on('message', (_topic, payload) => void this.onRequest(payload));
    client.on('error', (err) => this.log.warn('agent mqtt error', { deviceId, err: err.message }));
    await new Promise<void>((resolve, reject) => {
      const onErr = (err: Error): void => {
        client.removeListener('connect', onOk);
        reject(err);
      };
      const onOk = (): void => {
        client.removeListener('error', onErr);
        resolve();
      };
      client.once('connect', onOk);
      client.once('error', onErr);
    }).catch(async (err: Error) => {
      await this.stop();
      throw new Error(`device ${deviceId} could not connect to the room broker: ${err.message}`);
    });
    this.timer = setInterval(() => this.publishState(), this.opts.stateIntervalMs ?? 30_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.opts.port.removeAllByOwner(this);
    const client = this.client;
    this.client = undefined;
    if (client) {
      if (client.connected) {
        // A broker that went away first must not hold the shutdown.
        await Promise.race([
          new Promise<void>((r) =>
            client.publish(roomTopics.device(this.opts.deviceId, 'state'), JSON.stringify(this.stateDoc(false)), { qos: 1, retain: true }, () => r()),
          ),
          new Promise<void>((r) => setTimeout(r, 1000).unref()),
        ]);
      }
      await client.endAsync(true).catch(() => undefined);
    }
    await this.opts.port.stop();
  }

  private stateDoc(online: boolean): DeviceState {
    const h = this.opts.port.health();
    return {
      v: 1,
      deviceId: this.opts.deviceId,
      kind: this.kind,
      online: online && h.present,
      ts: new Date().toISOString(),
      driver: this.opts.port.driver,
      ...(h.lastSeen ? { lastSeen: h.lastSeen.toISOString() } : {}),
      errors: h.errors,
      ...(h.detail ? { detail: h.detail } : {}),
    };
  }

  publishState(): void {
    const client = this.client;
    if (!client?.connected) return;
    client.publish(roomTopics.device(this.opts.deviceId, 'state'), JSON.stringify(this.stateDoc(true)), { qos: 1, retain: true });
  }

  private publishEvent(event: DeviceEventBody<DeviceKind>): void {
    const doc = { v: 1, deviceId: this.opts.deviceId, seq: this.seq, ts: new Date().toISOString(), event };
    const checked = validate(this.eventSchema, doc);
    if (!checked.ok) {
      this.log.error('device event fails its schema; not sent', { deviceId: this.opts.deviceId, type: event.type, reason: checked.reason });
      return;
    }
    this.seq++;
    this.client?.publish(roomTopics.device(this.opts.deviceId, 'event'), JSON.stringify(doc), { qos: 1 });
  }

  private wireEvents(): void {
    const port = this.opts.port;
    const onError = (err: Error): void => this.log.warn('device error', { deviceId: this.opts.deviceId, err: err.message });
    switch (port.kind) {
      case 'idreader':
        port.on('card', (card) => this.publishEvent({ type: 'card.read', card }), this);
        port.on('removed', () => this.publishEvent({ type: 'card.removed' }), this);
        port.on('error', (err) => this.publishEvent({ type: 'reader.error', code: 'reader_error', message: err.message.slice(0, 200) }), this);
        break;
      case 'gate':
        port.on('opened', () => this.publishEvent({ type: 'gate.opened', ...(this.lastOpenTransaction ? { transaction: this.lastOpenTransaction } : {}) }), this);
        port.on('closed', () => this.publishEvent({ type: 'gate.closed' }), this);
        port.on('doorOpened', () => this.publishEvent({ type: 'door.opened' }), this);
        port.on('doorClosed', () => this.publishEvent({ type: 'door.closed' }), this);
        port.on('forcedDoor', () => this.publishEvent({ type: 'alarm.forced_door' }), this);
        port.on('heldOpen', (ms) => this.publishEvent({ type: 'alarm.held_open', openForMs: Math.round(ms) }), this);
        port.on('error', onError, this);
        break;
      case 'camera':
        port.on('streamLost', (reason) => this.publishEvent({ type: 'stream.lost', reason: reason.slice(0, 200) }), this);
        port.on('streamRestored', () => this.publishEvent({ type: 'stream.restored' }), this);
        port.on('error', onError, this);
        break;
      case 'tablet':
        port.on('button', (button) => this.publishEvent({ type: 'tablet.button', button }), this);
        port.on('error', onError, this);
        break;
      case 'locker':
        port.on('slotOpened', (slot) => this.publishEvent({ type: 'locker.opened', slot }), this);
        port.on('slotClosed', (slot, occupied) => this.publishEvent({ type: 'locker.closed', slot, occupied }), this);
        port.on('error', onError, this);
        break;
    }
  }

  private reply(res: ResponseEnvelope): void {
    this.client?.publish(roomTopics.device(this.opts.deviceId, 'response'), JSON.stringify(res), { qos: 1 });
  }

  private async onRequest(payload: Buffer): Promise<void> {
    const deviceId = this.opts.deviceId;
    const env = parsePayload(RequestEnvelope, payload);
    if (!env.ok) {
      // Without a transaction id nobody can be answered.
      const tx = transactionOf(payload);
      this.log.warn('malformed request rejected', { deviceId, reason: env.reason });
      if (tx) this.reply(errorResponse(tx, 'bad_request', env.reason));
      return;
    }
    const { transaction, command, params } = env.value;
    const spec = (DeviceCommands[this.kind] as Record<string, { params: z.ZodType; data: z.ZodType }>)[command];
    if (!spec) {
      this.log.warn('unknown command rejected', { deviceId, command });
      this.reply(errorResponse(transaction, 'bad_request', `unknown command ${command} for ${this.kind}`));
      return;
    }
    const p = validate(spec.params, params);
    if (!p.ok) {
      this.log.warn('bad params rejected', { deviceId, command, reason: p.reason });
      this.reply(errorResponse(transaction, 'bad_request', p.reason));
      return;
    }
    try {
      if (this.kind === 'gate' && command === 'open') this.lastOpenTransaction = transaction;
      const data = await runCommand(this.opts.port, command, p.value as Record<string, unknown>, transaction);
      const d = validate(spec.data, data);
      if (!d.ok) {
        this.reply(errorResponse(transaction, 'device_error', `device returned invalid data: ${d.reason}`));
        return;
      }
      this.reply(okResponse(transaction, d.value));
    } catch (err) {
      this.log.warn('command failed', { deviceId, command, err: (err as Error).message });
      this.reply(errorResponse(transaction, 'device_error', (err as Error).message.slice(0, 300)));
    } finally {
      this.publishState();
    }
  }
}

function transactionOf(payload: Buffer): string | undefined {
  try {
    const v = JSON.parse(payload.toString('utf8')) as { transaction?: unknown };
    return typeof v.transaction === 'string' && v.transaction.length > 0 && v.transaction.length <= 64 ? v.transaction : undefined;
  } catch {
    return undefined;
  }
}
