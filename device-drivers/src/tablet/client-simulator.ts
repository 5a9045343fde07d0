import { DeviceCommands, errorResponse, okResponse, parsePayload, RequestEnvelope, roomTopics, validate } from '@evalroom/contracts';
import type { MqttClient } from 'mqtt';
import type { SignatureCapture } from '../ports';
import { testPatternPng } from '../sim/image';
import { SimTablet } from '../sim/tablet';

export interface TabletClientSimulatorOptions {
  brokerUrl: string;
  tabletId: string;
  username?: string;
  password?: string;
  /** Face image the "camera" returns (PNG or JPEG); a test pattern by default. */
  faceImage?: Buffer;
}

/**
 * The tablet as a network device: connects to the room broker as its own client, keeps a
 * retained state with a Last Will, and answers the tablet commands. The screen, camera and pad
 * come from SimTablet; this class is only the wire.
 */
export class TabletClientSimulator {
  readonly screen = new SimTablet();
  private client?: MqttClient;
  private seq = 0;
  silent = false;

  constructor(private readonly o: TabletClientSimulatorOptions) {}

  async start(): Promise<void> {
    const { connectAsync } = await import('mqtt');
    const stateTopic = roomTopics.device(this.o.tabletId, 'state');
    const offline = JSON.stringify({ v: 1, deviceId: this.o.tabletId, kind: 'tablet', online: false, ts: new Date().toISOString(), errors: 0 });
    this.client = await connectAsync(this.o.brokerUrl, {
      clientId: this.o.tabletId,
      username: this.o.username,
      password: this.o.password,
      protocolVersion: 4,
      will: { topic: stateTopic, payload: Buffer.from(offline), retain: true, qos: 1 },
    });
    await this.screen.start();
    this.client.on('message', (_t, payload) => void this.onRequest(payload));
    await this.client.subscribeAsync(roomTopics.device(this.o.tabletId, 'request'), { qos: 1 });
    await this.client.publishAsync(
      stateTopic,
      JSON.stringify({ v: 1, deviceId: this.o.tabletId, kind: 'tablet', online: true, ts: new Date().toISOString(), driver: 'simulated', errors: 0 }),
      { retain: true, qos: 1 },
    );
  }

  async stop(): Promise<void> {
    await this.client?.endAsync();
    this.client = undefined;
  }

  /** Drops the connection without a clean disconnect, so the broker publishes the Last Will. */
  crash(): void {
    this.client?.stream.destroy();
    this.client?.end(true);
  }

  async press(button: 'help' | 'call_staff'): Promise<void> {
    const event = { v: 1, deviceId: this.o.tabletId, seq: this.seq++, ts: new Date().toISOString(), event: { type: 'tablet.button', button } };
    await this.client?.publishAsync(roomTopics.device(this.o.tabletId, 'event'), JSON.stringify(event), { qos: 1 });
  }

  private async onRequest(payload: Buffer): Promise<void> {
    if (this.silent || !this.client) return;
    const req = parsePayload(RequestEnvelope, payload);
    if (!req.ok) return;
    const { transaction, command, params } = req.value;
    const reply = (body: unknown) => this.client?.publishAsync(roomTopics.device(this.o.tabletId, 'response'), JSON.stringify(body), { qos: 1 });
    const spec = (DeviceCommands.tablet as Record<string, { params: import('zod').ZodType }>)[command];
    if (!spec) return void reply(errorResponse(transaction, 'bad_request', `unknown command ${command}`));
    const p = validate(spec.params, params);
    if (!p.ok) return void reply(errorResponse(transaction, 'bad_request', p.reason));
    try {
      if (command === 'face.capture') {
        this.screen.setNextFace(this.o.faceImage ?? testPatternPng());
        const face = await this.screen.captureFace(1000);
        await reply(okResponse(transaction, { image: face.image.toString('base64'), format: face.format }));
      } else if (command === 'signature.capture') {
        const v = p.value as { prompt: string; timeoutMs: number };
        const sig: SignatureCapture = await this.screen.captureSignature(v.prompt, v.timeoutMs);
        await reply(okResponse(transaction, { image: sig.image.toString('base64'), format: 'png', strokes: sig.strokes }));
      } else {
        const v = p.value as { title: string; body: string };
        await this.screen.showMessage(v.title, v.body);
        await reply(okResponse(transaction, {}));
      }
    } catch (err) {
      await reply(errorResponse(transaction, 'timeout', (err as Error).message));
    }
  }
}
