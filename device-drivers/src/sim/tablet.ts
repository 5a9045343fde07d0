import { readFileSync } from 'node:fs';
import type { CapturedImage, DeviceHealth, SignatureCapture, TabletEvents, TabletPort } from '../ports';
import { TypedEmitter } from '../typed-emitter';
import { toCapturedImage } from './camera';
import { encodeGrayPng } from './image';

export interface SimTabletOptions {
  /** Image returned by face capture when none was queued. */
  faceImage?: string;
}

/** A tablet: front camera for faces, a pad for signatures, a screen for messages. */
export class SimTablet extends TypedEmitter<TabletEvents> implements TabletPort {
  readonly kind = 'tablet' as const;
  readonly driver = 'simulated' as const;
  private running = false;
  private readonly faces: CapturedImage[] = [];
  private readonly messages: Array<{ at: string; title: string; body: string }> = [];
  private lastSeen: Date | undefined;

  constructor(private readonly options: SimTabletOptions = {}) {
    super();
  }

  async start(): Promise<void> {
    this.running = true;
    this.lastSeen = new Date();
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  health(): DeviceHealth {
    return { present: this.running, lastSeen: this.lastSeen, errors: 0, detail: { messages: this.messages.length } };
  }

  setNextFace(image: Buffer): CapturedImage {
    const captured = toCapturedImage(image);
    this.faces.push(captured);
    return captured;
  }

  async captureFace(timeoutMs: number): Promise<CapturedImage> {
    if (!this.running) throw new Error('tablet is not started');
    this.lastSeen = new Date();
    const queued = this.faces.shift();
    if (queued) return queued;
    if (this.options.faceImage) return toCapturedImage(readFileSync(this.options.faceImage));
    await new Promise((r) => setTimeout(r, Math.min(timeoutMs, 50)));
    throw new Error(`no face presented within ${timeoutMs} ms`);
  }

  /** A generated signature: a few strokes of a sine-like scrawl, drawn into a PNG. */
  async captureSignature(prompt: string, _timeoutMs: number): Promise<SignatureCapture> {
    if (!this.running) throw new Error('tablet is not started');
    this.lastSeen = new Date();
    const width = 400;
    const height = 150;
    const strokes: Array<Array<[number, number, number]>> = [];
    const seed = [...prompt].reduce((a, c) => (a * 31 + c.charCodeAt(0)) >>> 0, 7);
    for (let s = 0; s < 3; s++) {
      const stroke: Array<[number, number, number]> = [];
      for (let i = 0; i < 40; i++) {
        const x = 30 + s * 120 + i * 2.5;
        const y = 75 + Math.sin((i + seed % 17) / 4 + s) * 40;
        stroke.push([Math.round(x), Math.round(y), 0.5]);
      }
      strokes.push(stroke);
    }
    const ink = new Set<number>();
    for (const stroke of strokes) for (const [x, y] of stroke) for (let d = -1; d <= 1; d++) ink.add((y + d) * width + x);
    const image = encodeGrayPng(width, height, (x, y) => (ink.has(y * width + x) ? 0 : 255));
    return { image, format: 'png', strokes };
  }

  async showMessage(title: string, body: string): Promise<void> {
    this.messages.push({ at: new Date().toISOString(), title, body });
    if (this.messages.length > 100) this.messages.shift();
  }

  shownMessages(): Array<{ at: string; title: string; body: string }> {
    return [...this.messages];
  }

  press(button: 'help' | 'call_staff'): void {
    this.emit('button', button);
  }
}
