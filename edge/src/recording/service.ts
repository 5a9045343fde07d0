import { promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AckRecord, ArchiveReceipt, ChainEntry, Checkpoint, EdgeConfig, JournalLine, RecordingAlarm, SegmentEntry } from '@evalroom/contracts';
import { GENESIS_LINK, PUBLIC_KEY_FILE, linkEntry, loadOrCreateSigningKey, signCheckpoint, type SigningKey, type UnlinkedEntry } from './chain';
import { CameraProcess, type FragmentInfo } from './camera-process';
import { diskUsage, hasDiskMarker, type DiskUsage } from './disk';
import { fsyncFile, hashFile, listSegmentFiles, segmentRelPath } from './files';
import { Journal, fsyncDir, readJournal } from './journal';
import type { PipelineOptions, StreamSource } from './pipeline';
import { probeFile } from './probe';
import { planRetention, type RetentionSegment } from './retention';
import { exportBundle, type BundleSelection, type ExportResult } from './bundle';
import { SCRATCH_SUFFIXES, settleFragmentTail } from './fragment-check';
import { findPluginDir, prepareGstEnv } from './gst-env';
import { verifyPath, type VerifyReport } from './verify';
import { uploadBundle, type HandoverOptions } from './handover';

export interface RecorderCamera {
  cameraId: string;
  /** The shape of CameraPort.streamSource(). */
  source: StreamSource;
  /** Test sources are encoded once with these settings. */
  test?: PipelineOptions['test'];
  /** v4l2: the camera delivers H.264 itself. */
  v4l2H264?: boolean;
}

export interface ActiveSession {
  sessionId: string;
  lotIds: string[];
}

export type RecorderLog = (level: 'info' | 'warn' | 'error', msg: string) => void;

export interface CreateRecorderOptions {
  applianceId: string;
  /** Recording directory on the recording disk; must hold the marker file (see initRecordingDisk). */
  dir: string;
  /** PKCS#8 PEM Ed25519 key; created when absent. Ignored when `key` is given. */
  keyPath?: string;
  key?: SigningKey;
  cameras: RecorderCamera[];
  segmentSeconds?: number;
  highWatermarkPct?: number;
  lowWatermarkPct?: number;
  checkpointEverySegments?: number;
  onAlarm?: (alarm: RecordingAlarm) => void;
  log?: RecorderLog;
  backoff?: { initialMs: number; maxMs: number };
  /** A hole longer than this between segments is recorded as a gap. */
  gapToleranceMs?: number;
  diskCheckIntervalMs?: number;
  /** Session footage is kept at least this long even once archived (default 15 years). */
  sessionRetentionMs?: number;
  gstLaunch?: string;
  /**
   * Scratch folder (not the recording disk) for the pipelines' reduced plugin registry; default
   * `<tmpdir>/evalroom-recorder-gst`. `leanPipelines: false` keeps GStreamer's full environment.
   */
  gstCacheDir?: string;
  leanPipelines?: boolean;
}

type CameraState = 'stopped' | 'starting' | 'recording' | 'backoff' | 'paused';

interface CameraRuntime {
  cfg: RecorderCamera;
  proc: CameraProcess | null;
  state: CameraState;
  backoffMs: number;
  timer: NodeJS.Timeout | null;
  /** Why the last recording ended; becomes the reason of the next gap. */
  lastExitReason: string | null;
  /** Session active at any time during the open fragment. */
  fragmentSession: ActiveSession | null;
  restarts: number;
  failing: boolean;
  stopping: Promise<void> | null;
  lastError: string | null;
}

interface ChainHead {
  seq: number;
  link: string;
  lastEndMs: number | null;
  sinceCheckpoint: number;
}

export interface CameraHealth {
  cameraId: string;
  state: CameraState;
  pid: number | null;
  segments: number;
  gaps: number;
  restarts: number;
  lastSegmentEnd: string | null;
  lastError: string | null;
}

export interface RecordingHealth {
  state: 'recording' | 'idle_paused' | 'disk_not_mounted' | 'stopped';
  activeSession: ActiveSession | null;
  disk: DiskUsage | null;
  cameras: CameraHealth[];
  totals: { segments: number; gaps: number; bytes: number; deletions: number; pendingJournalLines: number };
  alarms: RecordingAlarm['alarm'][];
}

const YEAR_MS = 365.25 * 24 * 3600 * 1000;

/**
 * Records every configured camera into crash-safe MPEG-TS segments, indexes each sealed segment
 * in an fsynced journal with a per-camera hash chain and signed checkpoints, applies the disk
 * policy and exports evidence bundles. Construct with createRecorder().
 */
export class RecordingService {
  private readonly journal: Journal;
  private readonly cams = new Map<string, CameraRuntime>();
  private readonly heads = new Map<string, ChainHead>();
  private readonly segments = new Map<string, Map<number, SegmentEntry>>();
  private readonly indexedFiles = new Set<string>();
  private readonly acks = new Map<string, ArchiveReceipt>();
  private readonly gapCounts = new Map<string, number>();
  private deletionCount = 0;
  private pending: JournalLine[] = [];
  private serialQueue: Promise<unknown> = Promise.resolve();
  private active: ActiveSession | null = null;
  private running = false;
  private markerOk = false;
  private idlePaused = false;
  private lastUsage: DiskUsage | null = null;
  private diskTimer: NodeJS.Timeout | null = null;
  private readonly activeAlarms = new Map<RecordingAlarm['alarm'], RecordingAlarm>();
  private readonly o: Required<Omit<CreateRecorderOptions, 'key' | 'keyPath' | 'onAlarm' | 'gstLaunch'>> & Pick<CreateRecorderOptions, 'onAlarm' | 'gstLaunch'>;
  private pluginDir: Promise<string | null> | null = null;
  private readonly gstFallbackLogged = new Set<string>();

  constructor(
    options: CreateRecorderOptions,
    private readonly key: SigningKey,
  ) {
    this.o = {
      applianceId: options.applianceId,
      dir: path.resolve(options.dir),
      cameras: options.cameras,
      segmentSeconds: options.segmentSeconds ?? 10,
      highWatermarkPct: options.highWatermarkPct ?? 90,
      lowWatermarkPct: options.lowWatermarkPct ?? 80,
      checkpointEverySegments: options.checkpointEverySegments ?? 6,
      onAlarm: options.onAlarm,
      log: options.log ?? (() => undefined),
      backoff: options.backoff ?? { initialMs: 1000, maxMs: 30_000 },
      gapToleranceMs: options.gapToleranceMs ?? 1500,
      diskCheckIntervalMs: options.diskCheckIntervalMs ?? 5000,
      sessionRetentionMs: options.sessionRetentionMs ?? 15 * YEAR_MS,
      gstLaunch: options.gstLaunch,
      gstCacheDir: options.gstCacheDir ?? path.join(os.tmpdir(), 'evalroom-recorder-gst'),
      leanPipelines: options.leanPipelines ?? true,
    };
    this.journal = new Journal(this.o.dir);
    for (const cfg of options.cameras) {
      this.cams.set(cfg.cameraId, {
        cfg,
        proc: null,
        state: 'stopped',
        backoffMs: this.o.backoff.initialMs,
        timer: null,
        lastExitReason: null,
        fragmentSession: null,
        restarts: 0,
        failing: false,
        stopping: null,
        lastError: null,
      });
    }
  }

  get directory(): string {
    return this.o.dir;
  }

  get publicKeyPem(): string {
    return this.key.publicKeyPem;
  }

  /** Loads the index, recovers fragments left by a crash, then starts the cameras. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.markerOk = await hasDiskMarker(this.o.dir);
    if (!this.markerOk) {
      this.raise('recording_disk_not_mounted', 'critical', `no recording-disk marker in ${this.o.dir}: nothing is written until the disk is mounted`);
    } else {
      await this.serial(() => this.loadIndex());
      await fsp.writeFile(path.join(this.o.dir, PUBLIC_KEY_FILE), this.key.publicKeyPem);
      for (const cam of this.cams.values()) {
        // A pipeline left running by a crashed predecessor still appends to its open fragment
        // (it dies only at its next bus message): end it before that fragment is hashed.
        await killStalePipeline(path.join(this.o.dir, cam.cfg.cameraId, 'recorder.pid'));
        await this.serial(() => this.recoverStray(cam));
      }
      await this.diskTick();
    }
    this.reconcile();
    this.diskTimer = setInterval(() => void this.diskTick(), this.o.diskCheckIntervalMs);
    this.diskTimer.unref();
  }

  /** Ends every open segment cleanly, indexes it, signs a final checkpoint per camera. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.diskTimer) clearInterval(this.diskTimer);
    this.diskTimer = null;
    await Promise.all([...this.cams.values()].map((c) => this.stopCamera(c, 'recording service stopped', 'stopped')));
    await this.serial(async () => {
      if (!this.markerOk) return;
      for (const [camera, head] of this.heads) if (head.sinceCheckpoint > 0) this.queueCheckpoint(camera, head);
      await this.flush();
    });
    await this.journal.close();
  }

  /** The edge runtime calls this when a session starts (or its lots change) and with null when it ends. */
  setActiveSession(session: ActiveSession | null): void {
    this.active = session ? { sessionId: session.sessionId, lotIds: [...session.lotIds] } : null;
    if (this.active) for (const c of this.cams.values()) if (c.state === 'recording' || c.state === 'starting') c.fragmentSession = this.active;
    this.reconcile();
  }

  /** Records the archive's acknowledgement of a session handover. */
  async recordAcknowledgement(receipt: ArchiveReceipt): Promise<void> {
    await this.serial(async () => {
      const line: AckRecord = { v: 1, kind: 'ack', receipt, at: new Date().toISOString() };
      this.acks.set(receipt.sessionId, receipt);
      this.pending.push(line);
      await this.flush();
    });
  }

  acknowledgement(sessionId: string): ArchiveReceipt | null {
    return this.acks.get(sessionId) ?? null;
  }

  /** pid of a camera's pipeline process (tests and the kill campaign use it). */
  cameraPid(cameraId: string): number | null {
    return this.cams.get(cameraId)?.proc?.pid ?? null;
  }

  async exportSessionBundle(sessionId: string, outDir: string): Promise<ExportResult> {
    return this.exportBundle({ sessionId }, outDir);
  }

  async exportBundle(selection: BundleSelection, outDir: string): Promise<ExportResult> {
    await this.serial(() => this.flush());
    return exportBundle({ dir: this.o.dir, key: this.key, applianceId: this.o.applianceId, selection, outDir });
  }

  /**
   * Exports the session's bundle to a scratch folder, uploads it to the archive (resumable) and
   * stores the archive's receipt in the journal; only then may policy ever delete that footage.
   */
  async handOverSession(
    sessionId: string,
    o: Omit<HandoverOptions, 'bundleDir' | 'applianceId'> & { scratchDir?: string },
  ): Promise<ArchiveReceipt> {
    const existing = this.acks.get(sessionId);
    if (existing) return existing;
    const scratch = await fsp.mkdtemp(path.join(o.scratchDir ?? os.tmpdir(), `evalroom-handover-${sessionId.replace(/[^A-Za-z0-9_.-]/g, '_')}-`));
    try {
      await this.exportSessionBundle(sessionId, scratch);
      const receipt = await uploadBundle({ ...o, applianceId: this.o.applianceId, bundleDir: scratch });
      await this.recordAcknowledgement(receipt);
      return receipt;
    } finally {
      await fsp.rm(scratch, { recursive: true, force: true });
    }
  }

  verify(target = this.o.dir): Promise<VerifyReport> {
    return verifyPath(target, { publicKeyPem: this.key.publicKeyPem });
  }

  health(): RecordingHealth {
    const cameras: CameraHealth[] = [...this.cams.values()].map((c) => {
      const segs = this.segments.get(c.cfg.cameraId);
      let last: SegmentEntry | undefined;
      for (const s of segs?.values() ?? []) if (!last || s.seq > last.seq) last = s;
      return {
        cameraId: c.cfg.cameraId,
        state: c.state,
        pid: c.proc?.pid ?? null,
        segments: segs?.size ?? 0,
        gaps: this.gapCounts.get(c.cfg.cameraId) ?? 0,
        restarts: c.restarts,
        lastSegmentEnd: last?.end ?? null,
        lastError: c.lastError,
      };
    });
    let bytes = 0;
    for (const m of this.segments.values()) for (const s of m.values()) bytes += s.size;
    const state = !this.running ? 'stopped' : !this.markerOk ? 'disk_not_mounted' : this.idlePaused && !this.active ? 'idle_paused' : 'recording';
    return {
      state,
      activeSession: this.active,
      disk: this.lastUsage,
      cameras,
      totals: {
        segments: cameras.reduce((n, c) => n + c.segments, 0),
        gaps: cameras.reduce((n, c) => n + c.gaps, 0),
        bytes,
        deletions: this.deletionCount,
        pendingJournalLines: this.pending.length,
      },
      alarms: [...this.activeAlarms.keys()],
    };
  }

  /** Flat numbers for telemetry. */
  metrics(): Record<string, number> {
    const h = this.health();
    return {
      'recording.segments': h.totals.segments,
      'recording.gaps': h.totals.gaps,
      'recording.bytes': h.totals.bytes,
      'recording.disk_used_pct': h.disk ? Math.round(h.disk.usedPct * 10) / 10 : -1,
      'recording.cameras_recording': h.cameras.filter((c) => c.state === 'recording').length,
      'recording.camera_restarts': h.cameras.reduce((n, c) => n + c.restarts, 0),
    };
  }

  /* ------------------------------------------------------------------ internals */

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serialQueue.then(fn);
    this.serialQueue = run.catch((err) => this.o.log('error', `recording: ${(err as Error).message}`));
    return run;
  }

  private raise(alarm: RecordingAlarm['alarm'], severity: Exclude<RecordingAlarm['severity'], 'cleared'>, message: string, camera?: string): void {
    const prev = this.activeAlarms.get(alarm);
    if (prev && prev.severity === severity && prev.camera === camera) return;
    const a: RecordingAlarm = { alarm, severity, message, ...(camera ? { camera } : {}) };
    this.activeAlarms.set(alarm, a);
    this.o.log(severity === 'critical' ? 'error' : 'warn', `recording alarm ${alarm}: ${message}`);
    this.o.onAlarm?.(a);
  }

  private clear(alarm: RecordingAlarm['alarm'], message: string): void {
    if (!this.activeAlarms.delete(alarm)) return;
    this.o.onAlarm?.({ alarm, severity: 'cleared', message });
  }

  private async loadIndex(): Promise<void> {
    const j = await readJournal(this.o.dir);
    for (const bad of j.invalid) this.o.log('warn', `journal ${bad.file}:${bad.line} ignored: ${bad.reason}`);
    for (const line of j.lines) {
      if (line.kind === 'ack') {
        this.acks.set(line.receipt.sessionId, line.receipt);
        continue;
      }
      if (line.kind === 'checkpoint') {
        const h = this.heads.get(line.camera);
        if (h && h.seq === line.seq) h.sinceCheckpoint = 0;
        continue;
      }
      this.applyEntry(line);
    }
  }

  private applyEntry(e: ChainEntry): void {
    const h = this.heads.get(e.camera) ?? { seq: 0, link: GENESIS_LINK, lastEndMs: null, sinceCheckpoint: 0 };
    h.seq = e.seq;
    h.link = e.link;
    h.sinceCheckpoint += 1;
    this.heads.set(e.camera, h);
    let segs = this.segments.get(e.camera);
    if (!segs) this.segments.set(e.camera, (segs = new Map()));
    if (e.kind === 'segment') {
      segs.set(e.seq, e);
      this.indexedFiles.add(e.file);
      h.lastEndMs = Date.parse(e.end);
    } else if (e.kind === 'gap') {
      this.gapCounts.set(e.camera, (this.gapCounts.get(e.camera) ?? 0) + 1);
    } else {
      const target = segs.get(e.targetSeq);
      segs.delete(e.targetSeq);
      if (target) this.indexedFiles.add(target.file);
      this.deletionCount += 1;
    }
  }

  private nextEntry(camera: string, body: Record<string, unknown>, session: ActiveSession | null): ChainEntry {
    const h = this.heads.get(camera) ?? { seq: 0, link: GENESIS_LINK, lastEndMs: null, sinceCheckpoint: 0 };
    const entry = linkEntry({
      v: 1,
      camera,
      seq: h.seq + 1,
      prevLink: h.link,
      sessionId: session?.sessionId ?? null,
      lotIds: session?.lotIds ?? [],
      ...body,
    } as UnlinkedEntry);
    this.heads.set(camera, h);
    this.applyEntry(entry);
    this.pending.push(entry);
    return entry;
  }

  private queueCheckpoint(camera: string, head: ChainHead): void {
    const cp: Checkpoint = signCheckpoint(this.key, {
      v: 1,
      kind: 'checkpoint',
      applianceId: this.o.applianceId,
      camera,
      seq: head.seq,
      link: head.link,
      at: new Date().toISOString(),
    });
    head.sinceCheckpoint = 0;
    this.pending.push(cp);
  }

  /** Writes queued journal lines; on failure they stay queued (in order) and are retried. */
  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending.slice();
    try {
      await this.journal.append(batch);
      this.pending.splice(0, batch.length);
      this.clear('recording_journal_write_failed', 'journal writes succeed again');
    } catch (err) {
      this.raise('recording_journal_write_failed', 'critical', `segment journal write failed (${(err as Error).message}); ${this.pending.length} entries held in memory`);
    }
  }

  /**
   * Hashes, fsyncs, renames to its time-named path and indexes one finished fragment. `checkTail`:
   * the fragment ended at end of stream, so an independent decoder judges it first (see
   * fragment-check.ts); a drained partial access unit is cut off, and a fragment without any
   * complete picture is quarantined and explained instead of becoming an undecodable segment.
   */
  private async seal(cam: CameraRuntime, absPath: string, startMs: number, endMs: number, recovered: boolean, session: ActiveSession | null, checkTail = false): Promise<void> {
    const camera = cam.cfg.cameraId;
    if (!(await hasDiskMarker(this.o.dir))) {
      this.markerOk = false;
      this.raise('recording_disk_not_mounted', 'critical', `recording-disk marker vanished from ${this.o.dir}`);
      return;
    }
    if (checkTail) {
      const verdict = await settleFragmentTail(absPath);
      // A drained tail is what end of stream normally leaves (no frame is lost): info, not a warning.
      if (verdict.action === 'no_picture') {
        await this.quarantine(cam, absPath, verdict.note, 'info');
        return;
      }
      if (verdict.action !== 'ok') this.o.log(verdict.action === 'trimmed' ? 'info' : 'warn', `${camera}: ${path.basename(absPath)}: ${verdict.note}`);
    }
    const { sha256, size } = await hashFile(absPath);
    await fsyncFile(absPath);
    const head = this.heads.get(camera) ?? { seq: 0, link: GENESIS_LINK, lastEndMs: null, sinceCheckpoint: 0 };
    if (head.lastEndMs !== null && startMs - head.lastEndMs > this.o.gapToleranceMs) {
      this.nextEntry(
        camera,
        { kind: 'gap', from: new Date(head.lastEndMs).toISOString(), to: new Date(startMs).toISOString(), reason: (cam.lastExitReason ?? 'recording service restarted').slice(0, 300) },
        session,
      );
    }
    if (!recovered) cam.lastExitReason = null;
    const seq = (this.heads.get(camera)?.seq ?? 0) + 1;
    const rel = segmentRelPath(camera, startMs, seq);
    const abs = path.join(this.o.dir, rel);
    await fsp.mkdir(path.dirname(abs), { recursive: true });
    await fsp.rename(absPath, abs);
    await fsyncDir(path.dirname(abs));
    await fsyncDir(path.dirname(absPath));
    this.nextEntry(
      camera,
      {
        kind: 'segment',
        file: rel,
        start: new Date(startMs).toISOString(),
        end: new Date(Math.max(endMs, startMs)).toISOString(),
        durationMs: Math.max(0, Math.round(endMs - startMs)),
        size,
        sha256,
        container: 'mpegts',
        recovered,
      },
      session,
    );
    const h = this.heads.get(camera)!;
    if (h.sinceCheckpoint >= this.o.checkpointEverySegments) this.queueCheckpoint(camera, h);
    await this.flush();
  }

  /** A fragment nobody sealed (crash): index it if an independent decoder can read it, else quarantine. */
  private async recoverFile(cam: CameraRuntime, absPath: string, startMs: number | null, session: ActiveSession | null): Promise<void> {
    let st: import('node:fs').Stats;
    try {
      st = await fsp.stat(absPath);
    } catch {
      return;
    }
    if (st.size === 0) return this.quarantine(cam, absPath, 'empty file');
    // The process died mid-write: its tail can be a partial access unit, like a drained one.
    const verdict = await settleFragmentTail(absPath);
    if (verdict.action === 'no_picture') return this.quarantine(cam, absPath, verdict.note);
    if (verdict.action === 'trimmed') this.o.log('warn', `${cam.cfg.cameraId}: ${path.basename(absPath)}: ${verdict.note}`);
    const probe = await probeFile(absPath);
    if (probe.playable) {
      const start = startMs ?? st.mtimeMs - probe.durationMs;
      await this.seal(cam, absPath, start, start + probe.durationMs, true, session);
      return;
    }
    await this.quarantine(cam, absPath, probe.reason ?? 'unreadable');
  }

  /** Keeps an unusable fragment out of the index (never deleted) and explains it in the next gap. */
  private async quarantine(cam: CameraRuntime, absPath: string, why: string, level: 'info' | 'warn' = 'warn'): Promise<void> {
    const qdir = path.join(this.o.dir, cam.cfg.cameraId, 'quarantine');
    await fsp.mkdir(qdir, { recursive: true });
    await fsp.rename(absPath, path.join(qdir, path.basename(absPath)));
    const note = `fragment ${path.basename(absPath)} not indexed (${why.slice(0, 160)}), quarantined`;
    cam.lastExitReason = cam.lastExitReason ? `${cam.lastExitReason}; ${note}` : note;
    this.o.log(level, `${cam.cfg.cameraId}: ${note}`);
  }

  /** Segment files on disk that the journal does not know (a crash between writing and indexing). */
  private async recoverStray(cam: CameraRuntime): Promise<void> {
    const camDir = path.join(this.o.dir, cam.cfg.cameraId);
    // A crash during a tail repair leaves its scratch copy; the original fragment is intact.
    const incoming = path.join(camDir, 'incoming');
    for (const f of await fsp.readdir(incoming).catch(() => [] as string[])) {
      if (SCRATCH_SUFFIXES.some((x) => f.endsWith(x))) await fsp.rm(path.join(incoming, f), { force: true });
    }
    const files = await listSegmentFiles(camDir, (rel) => rel === 'quarantine');
    const stray: Array<{ abs: string; mtime: number }> = [];
    for (const rel of files) {
      if (this.indexedFiles.has(`${cam.cfg.cameraId}/${rel}`)) continue;
      const abs = path.join(camDir, rel);
      stray.push({ abs, mtime: (await fsp.stat(abs)).mtimeMs });
    }
    stray.sort((a, b) => a.mtime - b.mtime);
    if (stray.length) cam.lastExitReason = 'recorder crashed; fragments recovered at restart';
    for (const s of stray) await this.recoverFile(cam, s.abs, null, null);
  }

  private wantsRecording(): boolean {
    return this.running && this.markerOk && (this.active !== null || !this.idlePaused);
  }

  private reconcile(): void {
    const want = this.wantsRecording();
    for (const cam of this.cams.values()) {
      if (want && (cam.state === 'stopped' || cam.state === 'paused')) {
        cam.backoffMs = this.o.backoff.initialMs;
        void this.launch(cam);
      } else if (!want && (cam.state === 'recording' || cam.state === 'starting' || cam.state === 'backoff')) {
        const reason = !this.markerOk
          ? 'recording disk not mounted'
          : !this.running
            ? 'recording service stopped'
            : 'idle recording paused at the disk high watermark';
        void this.stopCamera(cam, reason, 'paused');
      }
    }
  }

  private async stopCamera(cam: CameraRuntime, reason: string, state: CameraState): Promise<void> {
    if (cam.timer) clearTimeout(cam.timer);
    cam.timer = null;
    cam.state = state;
    const proc = cam.proc;
    if (proc) {
      cam.stopping = proc.stop();
      await cam.stopping;
      cam.stopping = null;
      if (cam.proc === proc) cam.proc = null;
    }
    // The last fragment is sealed (it was queued while the pipeline ended); only the hole after
    // it is explained by this stop.
    await this.serial(async () => {
      cam.lastExitReason = joinReasons(reason, cam.lastExitReason);
    });
  }

  private async launch(cam: CameraRuntime): Promise<void> {
    if (!this.wantsRecording()) return;
    cam.state = 'starting';
    if (cam.stopping) await cam.stopping;
    cam.fragmentSession = this.active;
    const camera = cam.cfg.cameraId;
    const proc = new CameraProcess(
      {
        cameraId: camera,
        source: cam.cfg.source,
        incomingDir: path.join(this.o.dir, camera, 'incoming'),
        segmentSeconds: this.o.segmentSeconds,
        test: cam.cfg.test,
        v4l2H264: cam.cfg.v4l2H264,
        gstLaunch: this.o.gstLaunch,
      },
      {
        log: this.o.log,
        started: (pid) => {
          if (cam.proc === proc) writePidFile(path.join(this.o.dir, camera, 'recorder.pid'), pid);
        },
        sealed: (f) => this.onSealed(cam, f),
        orphaned: (f) => {
          const session = cam.fragmentSession ?? this.active;
          void this.serial(() => this.recoverFile(cam, f.location, f.startMs, session));
        },
        exited: (reason, expected) => {
          if (cam.proc !== proc) return;
          cam.proc = null;
          if (expected) return;
          // Queued behind the seal of this process's last fragment, so a note that fragment
          // left (quarantined tail) is kept and that seal does not clear the reason.
          void this.serial(async () => {
            cam.lastExitReason = joinReasons(reason, cam.lastExitReason);
          });
          cam.lastError = reason;
          this.onFailure(cam, reason);
        },
      },
    );
    cam.proc = proc;
    await killStalePipeline(path.join(this.o.dir, camera, 'recorder.pid'));
    try {
      if (this.o.leanPipelines) proc.setEnv(await this.pipelineEnv(cam.cfg));
      await proc.start(`r${Date.now()}`);
      if (cam.proc === proc) cam.state = 'recording';
    } catch (err) {
      if (cam.proc !== proc) return;
      cam.proc = null;
      const reason = `cannot start: ${(err as Error).message}`;
      cam.lastExitReason = cam.lastExitReason ?? reason;
      cam.lastError = reason;
      this.onFailure(cam, reason);
    }
  }

  /** Lean environment for a camera's pipeline; falls back to the full registry (logged once). */
  private async pipelineEnv(cfg: RecorderCamera): Promise<NodeJS.ProcessEnv> {
    this.pluginDir ??= findPluginDir();
    const r = await prepareGstEnv({ source: cfg.source, v4l2H264: cfg.v4l2H264, cacheDir: this.o.gstCacheDir, pluginDir: await this.pluginDir }).catch(
      (err: Error) => ({ env: process.env, fallback: `cannot prepare ${this.o.gstCacheDir}: ${err.message}` }),
    );
    if (r.fallback && !this.gstFallbackLogged.has(cfg.cameraId)) {
      this.gstFallbackLogged.add(cfg.cameraId);
      this.o.log('info', `${cfg.cameraId}: full GStreamer registry (${r.fallback})`);
    }
    return r.env;
  }

  private onSealed(cam: CameraRuntime, f: FragmentInfo & { endMs: number; final: boolean }): void {
    const session = cam.fragmentSession ?? null;
    cam.fragmentSession = this.active;
    cam.backoffMs = this.o.backoff.initialMs;
    if (cam.failing) {
      cam.failing = false;
      this.o.onAlarm?.({ alarm: 'recording_camera_failed', severity: 'cleared', message: `${cam.cfg.cameraId} records again`, camera: cam.cfg.cameraId });
    }
    void this.serial(() => this.seal(cam, f.location, f.startMs, f.endMs, false, session, f.final));
  }

  private onFailure(cam: CameraRuntime, reason: string): void {
    if (!this.wantsRecording() || cam.state === 'stopped' || cam.state === 'paused') return;
    cam.restarts += 1;
    this.o.log('warn', `${cam.cfg.cameraId}: ${reason}; retrying in ${cam.backoffMs} ms`);
    if (!cam.failing) {
      cam.failing = true;
      this.o.onAlarm?.({ alarm: 'recording_camera_failed', severity: 'warning', message: `${cam.cfg.cameraId}: ${reason}`.slice(0, 500), camera: cam.cfg.cameraId });
    }
    cam.state = 'backoff';
    const delay = cam.backoffMs;
    cam.backoffMs = Math.min(cam.backoffMs * 2, this.o.backoff.maxMs);
    cam.timer = setTimeout(() => {
      cam.timer = null;
      if (cam.state === 'backoff') void this.launch(cam);
    }, delay);
  }

  private async diskTick(): Promise<void> {
    if (!this.running) return;
    const marker = await hasDiskMarker(this.o.dir);
    if (!marker) {
      if (this.markerOk || !this.activeAlarms.has('recording_disk_not_mounted')) {
        this.markerOk = false;
        this.raise('recording_disk_not_mounted', 'critical', `no recording-disk marker in ${this.o.dir}`);
        this.reconcile();
      }
      return;
    }
    if (!this.markerOk) {
      this.markerOk = true;
      this.clear('recording_disk_not_mounted', 'recording disk is mounted');
      await this.serial(() => this.loadIndexIfEmpty());
    }
    await this.serial(async () => {
      await this.flush();
      const usage = await diskUsage(this.o.dir);
      this.lastUsage = usage;
      const segs: RetentionSegment[] = [];
      for (const m of this.segments.values())
        for (const s of m.values())
          segs.push({ camera: s.camera, seq: s.seq, file: s.file, size: s.size, sha256: s.sha256, sessionId: s.sessionId, start: new Date(s.start) });
      const plan = planRetention({
        now: new Date(),
        usedPct: usage.usedPct,
        totalBytes: usage.totalBytes,
        highWatermarkPct: this.o.highWatermarkPct,
        lowWatermarkPct: this.o.lowWatermarkPct,
        idlePaused: this.idlePaused,
        segments: segs,
        acknowledgedSessions: new Set(this.acks.keys()),
        sessionRetentionMs: this.o.sessionRetentionMs,
      });
      for (const d of plan.deletions) {
        await fsp.rm(path.join(this.o.dir, d.file), { force: true });
        this.nextEntry(d.camera, { kind: 'deletion', targetSeq: d.seq, targetSha256: d.sha256, reason: d.reason, at: new Date().toISOString() }, null);
      }
      if (plan.deletions.length) await this.flush();
      const pct = usage.usedPct.toFixed(1);
      if (plan.level === 'ok') {
        this.clear('recording_disk_full', `disk at ${pct} %`);
        this.clear('recording_disk_high_watermark', `disk at ${pct} %`);
      } else {
        this.raise('recording_disk_high_watermark', 'warning', `recording disk at ${pct} % (high watermark ${this.o.highWatermarkPct} %)`);
        if (plan.level === 'full') this.raise('recording_disk_full', 'critical', `recording disk at ${pct} % and nothing may be deleted: session footage awaits archive acknowledgement`);
        else this.clear('recording_disk_full', `space freed, disk at ${pct} %`);
      }
      const wasPaused = this.idlePaused;
      this.idlePaused = !plan.recordIdle;
      if (this.idlePaused && !wasPaused) this.raise('recording_idle_paused', 'warning', `idle (non-session) recording paused at ${pct} %`);
      if (!this.idlePaused && wasPaused) this.clear('recording_idle_paused', `idle recording resumed at ${pct} %`);
    });
    this.reconcile();
  }

  private async loadIndexIfEmpty(): Promise<void> {
    if (this.heads.size === 0) await this.loadIndex();
  }
}

/** Why a hole in the recording exists: its cause first, then notes about fragments it cost. */
function joinReasons(cause: string, earlier: string | null): string {
  return earlier ? `${cause}; ${earlier}` : cause;
}

function writePidFile(file: string, pid: number): void {
  fsp.writeFile(file, String(pid)).catch(() => undefined);
}

/** After a crash of this service its pipelines may still run: end any still writing here. */
async function killStalePipeline(pidFile: string): Promise<void> {
  let pid: number;
  try {
    pid = Number((await fsp.readFile(pidFile, 'utf8')).trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmd.includes('gst-launch') || !cmd.includes(path.join(path.dirname(pidFile), 'incoming') + path.sep)) return;
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 20));
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
    }
  } catch {
    /* not running */
  }
}

/**
 * Options from the appliance config: recordings in `recording.dir` or `<dataDir>/recordings`,
 * the key in `<secretsDir or dataDir/secrets>/recording-ed25519.pem`.
 */
export function recorderOptionsFromConfig(
  config: EdgeConfig,
  cameras: RecorderCamera[],
  extra: Pick<CreateRecorderOptions, 'onAlarm' | 'log'> = {},
): CreateRecorderOptions {
  const r = config.recording;
  return {
    applianceId: config.applianceId,
    dir: r.dir ?? path.join(config.dataDir, 'recordings'),
    keyPath: path.join(config.secretsDir ?? path.join(config.dataDir, 'secrets'), 'recording-ed25519.pem'),
    cameras,
    segmentSeconds: r.segmentSeconds,
    highWatermarkPct: r.highWatermarkPct,
    lowWatermarkPct: r.lowWatermarkPct,
    checkpointEverySegments: r.checkpointEverySegments,
    ...extra,
  };
}

export async function createRecorder(options: CreateRecorderOptions): Promise<RecordingService> {
  const key = options.key ?? (await loadOrCreateSigningKey(options.keyPath ?? path.join(options.dir, '..', 'secrets', 'recording-ed25519.pem')));
  return new RecordingService(options, key);
}
