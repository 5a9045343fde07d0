import { randomUUID } from 'node:crypto';
import {
  DeviceCommands,
  DeviceState,
  RequestEnvelope,
  ResponseEnvelope,
  deviceEventSchema,
  errorResponse,
  parseDeviceTopic,
  parsePayload,
  roomTopics,
  validate,
  type DeviceConfig,
  type DeviceEvent,
  type DeviceKind,
} from '@evalroom/contracts';
import { TypedEmitter } from '@evalroom/device-drivers';
import { connect, type MqttClient } from 'mqtt';
import type { z } from 'zod';
import type { Logger } from '../app/logger';

export type RoomClientEvents = {
  deviceEvent: [deviceId: string, kind: DeviceKind, event: DeviceEvent<DeviceKind>];
  deviceState: [state: DeviceState];
  applianceRequest: [request: RequestEnvelope];
};

/** What check-in needs from the room: a device command with a reply. */
export interface DeviceRequester {
  request(deviceId: string, command: string, params: Record<string, unknown>, timeoutMs: number): Promise<ResponseEnvelope>;
}

export interface RoomClientOptions {
  url: string;
  password: string;
  devices: DeviceConfig[];
  logger: Logger;
}

/**
 * The appliance core on the room broker (user `appliance`). Everything it receives is validated
 * against the contracts; anything malformed is logged with the reason and dropped.
 */
export class RoomClient extends TypedEmitter<RoomClientEvents> implements DeviceRequester {
  private client: MqttClient | undefined;
  private readonly kinds = new Map<string, DeviceKind>();
  private readonly pending = new Map<string, { deviceId: string; command: string; resolve: (r: ResponseEnvelope) => void; timer: NodeJS.Timeout }>();
  private readonly lastSeq = new Map<string, number>();
  private readonly states = new Map<string, DeviceState>();
  private readonly schemas = new Map<DeviceKind, z.ZodType>();
  private readonly log: Logger;
  rejected = 0;

  constructor(private readonly opts: RoomClientOptions) {
    super((err, event) => opts.logger.error('room listener failed', { event, err: (err as Error).message }));
    for (const d of opts.devices) this.kinds.set(d.deviceId, d.kind);
    this.log = opts.logger.child({ part: 'room' });
  }

  async start(): Promise<void> {
    const client = connect(this.opts.url, {
      clientId: 'appliance',
      username: 'appliance',
      password: this.opts.password,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 1000,
    });
    this.client = client;
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('error', (err) => this.log.warn('room mqtt error', { err: err.message }));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync(
      [roomTopics.deviceWildcard('state'), roomTopics.deviceWildcard('event'), roomTopics.deviceWildcard('response'), roomTopics.applianceRequest],
      { qos: 1 },
    );
  }

  async stop(): Promise<void> {
    for (const [tx, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve(errorResponse(tx, 'unavailable', 'appliance stopping'));
    }
    this.pending.clear();
    const client = this.client;
    this.client = undefined;
    // Once we hang up, a socket reset from the broker is expected, not worth a warning.
    client?.removeAllListeners('error').on('error', (err) => this.log.debug('room mqtt error while stopping', { err: err.message }));
    // A clean DISCONNECT (the broker would log a reset socket otherwise); forced if it hangs.
    if (client) await Promise.race([client.endAsync(false), new Promise((r) => setTimeout(r, 1000).unref())]).catch(() => undefined);
    if (client && !client.disconnected) await client.endAsync(true).catch(() => undefined);
  }

  deviceStates(): DeviceState[] {
    return [...this.states.values()];
  }

  request(deviceId: string, command: string, params: Record<string, unknown>, timeoutMs: number): Promise<ResponseEnvelope> {
    const transaction = randomUUID();
    return new Promise((resolve) => {
      const client = this.client;
      if (!client?.connected) return resolve(errorResponse(transaction, 'unavailable', 'room broker not connected'));
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        resolve(errorResponse(transaction, 'timeout', `${deviceId} did not answer ${command} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(transaction, { deviceId, command, resolve, timer });
      client.publish(roomTopics.device(deviceId, 'request'), JSON.stringify({ transaction, command, params }), { qos: 1 });
    });
  }

  publish(topic: string, doc: unknown, options: { retain?: boolean } = {}): void {
    this.client?.publish(topic, JSON.stringify(doc), { qos: 1, retain: options.retain ?? false });
  }

  private drop(topic: string, reason: string): void {
    this.rejected++;
    this.log.warn('room message rejected', { topic, reason });
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === roomTopics.applianceRequest) {
      const req = parsePayload(RequestEnvelope, payload);
      if (!req.ok) return this.drop(topic, req.reason);
      this.emit('applianceRequest', req.value);
      return;
    }
    const t = parseDeviceTopic(topic);
    if (!t) return this.drop(topic, 'not a room device topic');
    if (t.channel === 'request') return; // our own requests
    const kind = this.kinds.get(t.deviceId);
    if (!kind) return this.drop(topic, `device ${t.deviceId} is not configured`);
    if (payload.length === 0) return; // cleared retained message
    if (t.channel === 'state') {
      const s = parsePayload(DeviceState, payload);
      if (!s.ok) return this.drop(topic, s.reason);
      if (s.value.deviceId !== t.deviceId || s.value.kind !== kind) return this.drop(topic, 'state names another device or kind');
      this.states.set(t.deviceId, s.value);
      this.emit('deviceState', s.value);
    } else if (t.channel === 'event') {
      let schema = this.schemas.get(kind);
      if (!schema) this.schemas.set(kind, (schema = deviceEventSchema(kind)));
      const e = parsePayload(schema, payload);
      if (!e.ok) return this.drop(topic, e.reason);
      const ev = e.value as DeviceEvent<DeviceKind>;
      if (ev.deviceId !== t.deviceId) return this.drop(topic, 'event names another device');
      const last = this.lastSeq.get(t.deviceId);
      if (last !== undefined && ev.seq > last + 1) this.log.warn('device event sequence gap', { deviceId: t.deviceId, from: last, to: ev.seq });
      this.lastSeq.set(t.deviceId, ev.seq);
      this.emit('deviceEvent', t.deviceId, kind, ev);
    } else if (t.channel === 'response') {
      const r = parsePayload(ResponseEnvelope, payload);
      if (!r.ok) return this.drop(topic, r.reason);
      const p = this.pending.get(r.value.transaction);
      if (!p || p.deviceId !== t.deviceId) return this.drop(topic, 'response to no pending request');
      if (r.value.status === 'ok') {
        const spec = (DeviceCommands[kind] as Record<string, { data: z.ZodType }>)[p.command];
        const d = spec ? validate(spec.data, r.value.data) : { ok: false as const, reason: 'unknown command' };
        if (!d.ok) return this.drop(topic, `reply data: ${d.reason}`);
      }
      clearTimeout(p.timer);
      this.pending.delete(r.value.transaction);
      p.resolve(r.value);
    }
  }
}
