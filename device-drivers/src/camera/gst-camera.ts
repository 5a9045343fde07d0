import type { ChildProcess } from 'node:child_process';
import type { CameraEvents, CameraPort, CapturedImage, DeviceHealth } from '../ports';
import { probeImage } from '../sim/image';
import { TypedEmitter } from '../typed-emitter';
import { MultipartJpegParser } from './multipart';
import { stillPipelineArgs, type CameraSource } from './pipeline';

/** A still from the live stream: `sequence` grows by one per decoded frame, `capturedAt` is its arrival. */
export interface CameraFrame extends CapturedImage {
  format: 'jpeg';
  sequence: number;
  capturedAt: Date;
}

export interface GstCameraOptions {
  source: CameraSource;
  /** Still width in pixels (height follows the aspect ratio). Default 640. */
  stillWidth?: number;
  /** Stills decoded per second. Default 4. */
  stillFps?: number;
  rtspTransport?: 'tcp' | 'udp' | 'auto';
  /** capture() fails if no new frame arrives within this. Default 3000 ms. */
  captureTimeoutMs?: number;
  /** No frame for this long while running = stream lost (a hung camera never closes its socket). Default 5000 ms. */
  staleAfterMs?: number;
  /** Reconnect backoff: first delay, doubled per failure up to the max. Defaults 250 / 10000 ms. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** gst-launch binary. Default `gst-launch-1.0` from PATH. */
  gstLaunch?: string;
  /** Extra environment for the child (e.g. GST_DEBUG); inherits the process environment. */
  env?: NodeJS.ProcessEnv;
  log?: (level: 'info' | 'warn', msg: string, detail?: Record<string, unknown>) => void;
}

type State = 'stopped' | 'connecting' | 'live' | 'lost';
interface Waiter {
  afterSeq: number;
  resolve: (f: CameraFrame) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const BOUNDARY = 'evalroomstill';

/**
 * Real camera (RTSP IP camera, V4L2 USB camera or a GStreamer test pattern). A persistent
 * `gst-launch-1.0` child decodes a few stills per second to JPEG and streams them on stdout;
 * only the latest frame is kept, in memory (these are faces: never on disk). The recorder opens
 * its own stream from streamSource(); nothing here transcodes for recording.
 */
export class GstCamera extends TypedEmitter<CameraEvents> implements CameraPort {
  readonly kind = 'camera' as const;
  readonly driver = 'real' as const;
  private state: State = 'stopped';
  private child: ChildProcess | undefined;
  private parser: MultipartJpegParser | undefined;
  private latest: CameraFrame | undefined;
  private sequence = 0;
  private errors = 0;
  private restarts = 0;
  private lastError: string | undefined;
  private lostReason: string | undefined;
  private backoffMs: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private staleTimer: NodeJS.Timeout | undefined;
  private waiters: Waiter[] = [];
  private stderrTail = '';
  private readonly exitHook = () => this.killChild('SIGKILL');
  private readonly o: Required<Omit<GstCameraOptions, 'env' | 'log' | 'rtspTransport'>> & Pick<GstCameraOptions, 'env' | 'log' | 'rtspTransport'>;

  constructor(options: GstCameraOptions) {
    super();
    this.o = {
      stillWidth: 640,
      stillFps: 4,
      captureTimeoutMs: 3000,
      staleAfterMs: 5000,
      reconnectMinMs: 250,
      reconnectMaxMs: 10_000,
      gstLaunch: 'gst-launch-1.0',
      ...options,
    };
    this.backoffMs = this.o.reconnectMinMs;
  }

  async start(): Promise<void> {
    if (this.state !== 'stopped') return;
    this.state = 'connecting';
    this.backoffMs = this.o.reconnectMinMs;
    process.on('exit', this.exitHook);
    // start() does not wait for pictures: a camera that is down at boot is reported lost and retried.
    await this.spawnPipeline();
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.staleTimer);
    process.off('exit', this.exitHook);
    this.failWaiters(new Error('camera stopped'));
    const child = this.child;
    this.child = undefined;
    this.latest = undefined; // no face stays in memory after stop
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('close', () => r()));
      this.killGroup(child, 'SIGTERM');
      const t = setTimeout(() => this.killGroup(child, 'SIGKILL'), 2000);
      await exited;
      clearTimeout(t);
    }
  }

  health(): DeviceHealth {
    return {
      present: this.state === 'live',
      lastSeen: this.latest?.capturedAt,
      errors: this.errors,
      detail: {
        state: this.state,
        source: this.o.source.type,
        frames: this.sequence,
        restarts: this.restarts,
        lastError: this.lostReason ?? this.lastError ?? null,
      },
    };
  }

  streamSource(): CameraSource {
    return { ...this.o.source };
  }

  /**
   * The first frame that arrives after this call (a live picture, never a stale one). Fails at
   * once when stopped or the stream is lost, and after captureTimeoutMs without a frame.
   * Stills are already `stillWidth` wide; `maxWidth` is not applied (no image codec in Node here).
   */
  capture(_options?: { maxWidth?: number }): Promise<CameraFrame> {
    if (this.state === 'stopped') return Promise.reject(new Error('camera is not started'));
    if (this.state === 'lost') {
      this.errors++;
      return Promise.reject(new Error(`camera stream lost: ${this.lostReason ?? 'unknown'}`));
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        afterSeq: this.sequence,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          this.errors++;
          reject(new Error(`no camera frame within ${this.o.captureTimeoutMs} ms (${this.state})`));
        }, this.o.captureTimeoutMs),
      };
      this.waiters.push(w);
    });
  }

  private async spawnPipeline(): Promise<void> {
    const { spawn } = await import('node:child_process');
    if (this.state === 'stopped') return;
    const args = stillPipelineArgs({
      source: this.o.source,
      width: this.o.stillWidth,
      fps: this.o.stillFps,
      boundary: BOUNDARY,
      rtspTransport: this.o.rtspTransport,
    });
    this.stderrTail = '';
    // Own process group (detached) so stop() kills gst-launch with anything it forked.
    const child = spawn(this.o.gstLaunch, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...this.o.env } });
    this.child = child;
    const parser = new MultipartJpegParser(
      BOUNDARY,
      (jpeg) => this.onFrame(child, jpeg),
      (why) => {
        this.errors++;
        this.lastError = `bad still stream: ${why}`;
      },
    );
    this.parser = parser;
    child.stdout!.on('data', (d: Buffer) => {
      if (this.child === child) parser.push(d);
    });
    child.stderr!.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-1000);
    });
    child.once('error', (err) => this.onChildGone(child, `cannot run ${this.o.gstLaunch}: ${err.message}`));
    child.once('close', (code, signal) => {
      const last = this.stderrTail.trim().split('\n').filter(Boolean).at(-1);
      this.onChildGone(child, `pipeline ended (${signal ?? `exit ${code}`})${last ? `: ${last.slice(0, 300)}` : ''}`);
    });
    this.armStale(child);
  }

  private onFrame(child: ChildProcess, jpeg: Buffer): void {
    if (this.child !== child || this.state === 'stopped') return;
    const info = probeImage(jpeg);
    if (!info || info.format !== 'jpeg') {
      this.errors++;
      this.lastError = 'undecodable still (no JPEG frame header)';
      return;
    }
    const frame: CameraFrame = { image: jpeg, format: 'jpeg', width: info.width, height: info.height, sequence: ++this.sequence, capturedAt: new Date() };
    this.latest = frame;
    this.backoffMs = this.o.reconnectMinMs;
    const wasLost = this.state === 'lost';
    this.state = 'live';
    this.lostReason = undefined;
    this.armStale(child);
    if (wasLost) {
      this.o.log?.('info', 'camera stream restored', { source: this.o.source.type });
      this.emit('streamRestored');
    }
    const ready = this.waiters.filter((w) => frame.sequence > w.afterSeq);
    this.waiters = this.waiters.filter((w) => frame.sequence <= w.afterSeq);
    for (const w of ready) {
      clearTimeout(w.timer);
      w.resolve(frame);
    }
  }

  private armStale(child: ChildProcess): void {
    clearTimeout(this.staleTimer);
    this.staleTimer = setTimeout(() => {
      if (this.child !== child) return;
      this.killGroup(child, 'SIGKILL');
      this.onChildGone(child, `no frame for ${this.o.staleAfterMs} ms`);
    }, this.o.staleAfterMs);
  }

  /** The pipeline is gone (exit, spawn failure or stall): report the loss once, retry with backoff. */
  private onChildGone(child: ChildProcess, reason: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    clearTimeout(this.staleTimer);
    if (this.state === 'stopped') return;
    this.killGroup(child, 'SIGKILL'); // leftovers of the group, if any
    this.errors++;
    this.lastError = reason;
    this.latest = undefined;
    if (this.state !== 'lost') {
      this.state = 'lost';
      this.lostReason = reason;
      this.o.log?.('warn', 'camera stream lost', { source: this.o.source.type, reason });
      this.failWaiters(new Error(`camera stream lost: ${reason}`));
      this.emit('streamLost', reason);
    }
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.o.reconnectMaxMs, this.backoffMs * 2);
    this.reconnectTimer = setTimeout(() => {
      if (this.state === 'stopped') return;
      this.restarts++;
      void this.spawnPipeline().catch((err: Error) => this.o.log?.('warn', 'camera pipeline did not start', { error: err.message }));
    }, delay);
  }

  private failWaiters(err: Error): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }

  private killChild(signal: NodeJS.Signals): void {
    if (this.child) this.killGroup(this.child, signal);
  }

  private killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // group already gone
    }
  }
}
