import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { buildPipelineArgs, parseBusLine, type PipelineOptions, type StreamInfo, type StreamSource } from './pipeline';
import { probeRtsp } from './probe';

export interface FragmentInfo {
  location: string;
  /** Wall-clock start and end derived from the pipeline's running time, ms since epoch. */
  startMs: number;
  endMs: number | null;
}

export interface CameraProcessHooks {
  /**
   * A fragment the muxer finished and closed. `final`: it was the last one of this process (closed
   * at end of stream, not by a split at a key frame), so its tail may be a drained, incomplete
   * access unit and must be checked before sealing.
   */
  sealed(f: FragmentInfo & { endMs: number; final: boolean }): void;
  /** The pipeline ended (crash, error, stop) while this fragment was open. */
  orphaned(f: FragmentInfo): void;
  /** The pipeline process ended; `reason` is for the gap record. */
  exited(reason: string, expected: boolean): void;
  started(pid: number): void;
  log(level: 'info' | 'warn' | 'error', msg: string): void;
}

export interface CameraProcessOptions {
  cameraId: string;
  source: StreamSource;
  /** Folder where the pipeline writes its open fragments. */
  incomingDir: string;
  segmentSeconds: number;
  test?: PipelineOptions['test'];
  v4l2H264?: boolean;
  gstLaunch?: string;
  /** Kill the pipeline if it reports nothing for this long (hung connection). */
  silenceTimeoutMs?: number;
  /** Environment of the pipeline process (see gst-env.ts); default: this process's. */
  env?: NodeJS.ProcessEnv;
}

/**
 * One camera's GStreamer pipeline in its own gst-launch-1.0 process: a crash, a hung camera or
 * bad data there never touches other cameras or the appliance. Runs once; the supervisor above
 * decides about restarts and backoff.
 */
export class CameraProcess {
  private child: ChildProcess | null = null;
  private open: { location: string; openRtNs: bigint } | null = null;
  /** Closed fragment held until we know whether a split (next fragment opens) or EOS closed it. */
  private closed: (FragmentInfo & { endMs: number }) | null = null;
  private wallAtRtZero: number | null = null;
  private lastError: string | null = null;
  private stopping = false;
  private silenceTimer: NodeJS.Timeout | null = null;
  private exitPromise: Promise<void> | null = null;

  constructor(
    private opts: CameraProcessOptions,
    private readonly hooks: CameraProcessHooks,
  ) {}

  /** Sets the pipeline's environment before start(). */
  setEnv(env: NodeJS.ProcessEnv): void {
    this.opts = { ...this.opts, env };
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Resolves once the process is spawned; failures before that (probe) reject. */
  async start(runId: string): Promise<void> {
    let info: StreamInfo | undefined;
    if (this.opts.source.type === 'rtsp') {
      const probed = await probeRtsp(this.opts.source.url, 8000);
      if ('error' in probed) throw new Error(probed.error);
      if (probed.droppedAudio) this.hooks.log('warn', `${this.opts.cameraId}: audio ${probed.droppedAudio} not storable without transcoding; recording video only`);
      info = probed;
    }
    await fsp.mkdir(this.opts.incomingDir, { recursive: true });
    // stop() may have run while we probed: never spawn after it.
    if (this.stopping) throw new Error('stopped');
    const args = buildPipelineArgs({
      source: this.opts.source,
      info,
      location: path.join(this.opts.incomingDir, `${runId}-%05d.ts`),
      segmentSeconds: this.opts.segmentSeconds,
      test: this.opts.test,
      v4l2H264: this.opts.v4l2H264,
    });
    const child = spawn(this.opts.gstLaunch ?? 'gst-launch-1.0', args, { stdio: ['ignore', 'pipe', 'pipe'], env: this.opts.env ?? process.env });
    this.child = child;
    this.exitPromise = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.onExit(code, signal);
        resolve();
      });
    });
    child.once('error', (err) => {
      this.lastError = err.message;
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => this.onLine(line));
    }
    this.armSilence();
    if (child.pid) this.hooks.started(child.pid);
  }

  private armSilence(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    const ms = this.opts.silenceTimeoutMs ?? this.opts.segmentSeconds * 3000 + 15_000;
    this.silenceTimer = setTimeout(() => {
      this.lastError = `no segment activity for ${Math.round(ms / 1000)} s`;
      this.child?.kill('SIGKILL');
    }, ms);
    this.silenceTimer.unref();
  }

  private onLine(line: string): void {
    const ev = parseBusLine(line);
    if (!ev) return;
    const now = Date.now();
    switch (ev.type) {
      case 'opened': {
        this.releaseClosed(false);
        if (this.wallAtRtZero === null) this.wallAtRtZero = now - Number(ev.runningTimeNs / 1_000_000n);
        this.open = { location: ev.location, openRtNs: ev.runningTimeNs };
        this.armSilence();
        break;
      }
      case 'closed': {
        const base = this.wallAtRtZero ?? now;
        const openRt = this.open && this.open.location === ev.location ? this.open.openRtNs : ev.runningTimeNs;
        this.open = null;
        this.armSilence();
        this.releaseClosed(false);
        this.closed = {
          location: ev.location,
          startMs: base + Number(openRt / 1_000_000n),
          endMs: base + Number(ev.runningTimeNs / 1_000_000n),
        };
        break;
      }
      case 'error':
        this.lastError = ev.message;
        this.hooks.log('warn', `${this.opts.cameraId}: ${ev.message}`);
        break;
      case 'eos':
        break;
    }
  }

  private releaseClosed(final: boolean): void {
    const f = this.closed;
    this.closed = null;
    if (f) this.hooks.sealed({ ...f, final });
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.releaseClosed(true);
    if (this.open) {
      const base = this.wallAtRtZero ?? Date.now();
      this.hooks.orphaned({ location: this.open.location, startMs: base + Number(this.open.openRtNs / 1_000_000n), endMs: null });
      this.open = null;
    }
    const how = signal ? `killed by ${signal}` : `exit code ${code}`;
    const reason = this.lastError ? `${this.lastError} (${how})` : `recorder ${how}`;
    this.child = null;
    this.hooks.exited(this.stopping ? 'recording stopped' : reason, this.stopping);
  }

  /** Finishes the open segment (EOS via SIGINT); SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || !this.exitPromise) return;
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
  }
}
