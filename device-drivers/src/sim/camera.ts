import { readFileSync } from 'node:fs';
import type { CameraEvents, CameraPort, CapturedImage, DeviceHealth } from '../ports';
import { TypedEmitter } from '../typed-emitter';
import { probeImage, testPatternPng } from './image';

export interface SimCameraOptions {
  /** Stills returned in turn by capture() when no frame was queued (JPEG or PNG files). */
  stillImages?: string[];
  /** Stream the recorder should read; a GStreamer test source otherwise. */
  rtspUrl?: string;
  testPattern?: string;
}

/** Turns bytes into a CapturedImage, refusing anything that is not a JPEG or PNG. */
export function toCapturedImage(image: Buffer): CapturedImage {
  const info = probeImage(image);
  if (!info) throw new Error('not a JPEG or PNG image');
  return { image, ...info };
}

/** A camera whose next still is set from outside (the face at the door). */
export class SimCamera extends TypedEmitter<CameraEvents> implements CameraPort {
  readonly kind = 'camera' as const;
  readonly driver = 'simulated' as const;
  private running = false;
  private readonly queue: CapturedImage[] = [];
  private stillIndex = 0;
  private lastSeen: Date | undefined;
  private errors = 0;
  private lost: string | undefined;

  constructor(private readonly options: SimCameraOptions = {}) {
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
    return { present: this.running && !this.lost, lastSeen: this.lastSeen, errors: this.errors, detail: { queuedFrames: this.queue.length } };
  }

  /** The next capture returns this image (once). */
  setNextFrame(image: Buffer): CapturedImage {
    const captured = toCapturedImage(image);
    this.queue.push(captured);
    return captured;
  }

  clearFrames(): void {
    this.queue.length = 0;
  }

  async capture(_options?: { maxWidth?: number }): Promise<CapturedImage> {
    if (!this.running) throw new Error('camera is not started');
    if (this.lost) {
      this.errors++;
      throw new Error(`stream lost: ${this.lost}`);
    }
    this.lastSeen = new Date();
    const queued = this.queue.shift();
    if (queued) return queued;
    const stills = this.options.stillImages ?? [];
    if (stills.length > 0) {
      const file = stills[this.stillIndex++ % stills.length]!;
      return toCapturedImage(readFileSync(file));
    }
    return { image: testPatternPng(), format: 'png', width: 320, height: 240 };
  }

  streamSource(): { type: 'rtsp'; url: string } | { type: 'test'; pattern: string } {
    if (this.options.rtspUrl) return { type: 'rtsp', url: this.options.rtspUrl };
    return { type: 'test', pattern: this.options.testPattern ?? 'smpte' };
  }

  /** Simulates the stream dropping (cable pulled) and coming back. */
  loseStream(reason: string): void {
    this.lost = reason;
    this.emit('streamLost', reason);
  }

  restoreStream(): void {
    if (!this.lost) return;
    this.lost = undefined;
    this.emit('streamRestored');
  }
}
