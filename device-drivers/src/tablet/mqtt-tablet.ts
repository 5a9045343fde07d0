import { randomUUID } from 'node:crypto';
import {
  DeviceCommands,
  DeviceState,
  deviceEventSchema,
  parsePayload,
  ResponseEnvelope,
  roomTopics,
  validate,
  type RequestEnvelope,
} from '@evalroom/contracts';
import type { MqttClient } from 'mqtt';
import type { CapturedImage, DeviceHealth, SignatureCapture, TabletEvents, TabletPort } from '../ports';
import { toCapturedImage } from '../sim/camera';
import { TypedEmitter } from '../typed-emitter';

export interface MqttTabletOptions {
  brokerUrl: string;
  username: string;
  password: string;
  /** The tablet's own device id on the room broker (its client id and topic id). */
  tabletId: string;
  log?: (line: string) => void;
}

type TabletCommand = keyof typeof DeviceCommands.tablet;

/**
 * TabletPort on the appliance side. The tablet is a network device: it connects to the room
 * broker as its own client and serves room/dev/{tabletId}/request with the tablet commands of
 * contracts' DeviceCommands. Every reply, event and state message is validated here.
 */
export class MqttTablet extends TypedEmitter<TabletEvents> implements TabletPort {
  readonly kind = 'tablet' as const;
  readonly driver = 'real' as const;
  private client?: MqttClient;
  private readonly pending = new Map<string, { resolve: (data: unknown) => void; reject: (e: Error) => void }>();
  private online = false;
  private lastSeen?: Date;
  private errors = 0;
  private lastError?: string;

  constructor(private readonly o: MqttTabletOptions) {
    super((err, event) => o.log?.(`tablet listener for ${event} threw: ${String(err)}`));
  }

  async start(): Promise<void> {
    if (this.client) return;
    const { connectAsync } = await import('mqtt');
    const client = await connectAsync(this.o.brokerUrl, {
      username: this.o.username,
      password: this.o.password,
      clientId: `${this.o.username}-tablet-port-${randomUUID().slice(0, 8)}`,
      protocolVersion: 4,
      reconnectPeriod: 1000,
    });
    this.client = client;
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    await client.subscribeAsync(
      (['response', 'event', 'state'] as const).map((c) => roomTopics.device(this.o.tabletId, c)),
      { qos: 1 },
    );
  }

  async stop(): Promise<void> {
    for (const p of this.pending.values()) p.reject(new Error('tablet port stopped'));
    this.pending.clear();
    await this.client?.endAsync();
    this.client = undefined;
    this.online = false;
  }

  health(): DeviceHealth {
    return {
      present: this.online,
      lastSeen: this.lastSeen,
      errors: this.errors,
      detail: { tabletId: this.o.tabletId, connected: Boolean(this.client?.connected), lastError: this.lastError ?? null },
    };
  }

  async captureFace(timeoutMs: number): Promise<CapturedImage> {
    const data = (await this.call('face.capture', { timeoutMs }, timeoutMs)) as { image: string };
    return toCapturedImage(Buffer.from(data.image, 'base64'));
  }

  async captureSignature(prompt: string, timeoutMs: number): Promise<SignatureCapture> {
    const data = (await this.call('signature.capture', { prompt, timeoutMs }, timeoutMs)) as { image: string; strokes: SignatureCapture['strokes'] };
    return { image: Buffer.from(data.image, 'base64'), format: 'png', strokes: data.strokes };
  }

  async showMessage(title: string, body: string): Promise<void> {
    await this.call('display.message', { title, body }, 5000);
  }

  private async call(command: TabletCommand, params: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    const client = this.client;
    if (!client) throw new Error('tablet port is not started');
    const checked = validate(DeviceCommands.tablet[command].params, params);
    if (!checked.ok) throw new Error(`${command}: bad parameters: ${checked.reason}`);
    const transaction = randomUUID();
    const request: RequestEnvelope = { transaction, command, params: checked.value as Record<string, unknown> };
    // The tablet gets the user's full time; the port allows a little more for the network.
    const reply = new Promise<unknown>((resolve, reject) => {
      const t = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new Error(`${command}: tablet ${this.o.tabletId} did not answer within ${timeoutMs} ms`));
      }, timeoutMs + 1000);
      this.pending.set(transaction, {
        resolve: (d) => {
          clearTimeout(t);
          resolve(d);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
    });
    await client.publishAsync(roomTopics.device(this.o.tabletId, 'request'), JSON.stringify(request), { qos: 1 });
    const data = await reply;
    const parsed = validate(DeviceCommands.tablet[command].data, data);
    if (!parsed.ok) throw this.fail(new Error(`${command}: tablet sent invalid data: ${parsed.reason}`));
    return parsed.value;
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === roomTopics.device(this.o.tabletId, 'response')) {
      const r = parsePayload(ResponseEnvelope, payload);
      if (!r.ok) return void this.fail(new Error(`tablet response dropped: ${r.reason}`));
      const p = this.pending.get(r.value.transaction);
      if (!p) return;
      this.pending.delete(r.value.transaction);
      this.lastSeen = new Date();
      if (r.value.status === 'ok') p.resolve(r.value.data);
      else p.reject(new Error(`tablet: ${r.value.error.code}: ${r.value.error.message}`));
    } else if (topic === roomTopics.device(this.o.tabletId, 'event')) {
      const e = parsePayload(deviceEventSchema('tablet'), payload);
      if (!e.ok) return void this.fail(new Error(`tablet event dropped: ${e.reason}`));
      this.lastSeen = new Date();
      if (e.value.event.type === 'tablet.button') this.emit('button', e.value.event.button);
    } else if (topic === roomTopics.device(this.o.tabletId, 'state')) {
      const s = parsePayload(DeviceState, payload);
      if (!s.ok) return void this.fail(new Error(`tablet state dropped: ${s.reason}`));
      this.online = s.value.online;
      if (s.value.online) this.lastSeen = new Date(s.value.ts);
    }
  }

  private fail(err: Error): Error {
    this.errors++;
    this.lastError = err.message;
    this.o.log?.(`tablet: ${err.message}`);
    this.emit('error', err);
    return err;
  }
}
