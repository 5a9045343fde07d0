import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePayload, type ApplianceEventBody, type ArchiveReceipt, type DesiredState, type EdgeConfig, type RecordingAlarm, type TelemetrySample } from '@evalroom/contracts';
import type { CameraPort } from '@evalroom/device-drivers';
import { z } from 'zod';
import type { EdgePaths } from '../config/load';
import { createRecorder, recorderOptionsFromConfig, type RecordingService } from '../recording';
import { readJournal } from '../recording/journal';
import { atomicWriteFileSync } from '../store/atomic';
import type { Logger } from './logger';
import { activeSessionAt, backoffMs, sameSession, startedSessions, type RecordedSession } from './sessions';

export interface RoomRecordingOptions {
  config: EdgeConfig;
  paths: EdgePaths;
  cameras: Array<{ deviceId: string; port: CameraPort }>;
  desired: () => DesiredState | undefined;
  /** Durable appliance events (outbox, room and cloud). */
  record: (body: ApplianceEventBody) => void;
  /** The cloud archive; without it footage stays on the appliance (and is listed as pending). */
  archive?: { baseUrl: string; secret: string };
  logger: Logger;
  /** How often the active session and due handovers are re-evaluated (default 5 s). */
  tickMs?: number;
  /** Retry of a failed handover (default 5 s doubling to 5 min). */
  handoverBackoff?: { initialMs: number; maxMs: number };
  /** Wait after a session's end before its handover, so its last segment is sealed (default segment length + 5 s). */
  handoverGraceMs?: number;
  now?: () => Date;
  /** Recorder options tests shorten (disk check interval …). */
  recorder?: { diskCheckIntervalMs?: number; segmentSeconds?: number };
}

/** One session's footage on this appliance. */
export interface SessionFootage {
  sessionId: string;
  lotIds: string[];
  cameras: string[];
  segments: number;
  bytes: number;
  from: string;
  to: string;
  handover: { status: 'acknowledged'; receipt: ArchiveReceipt } | { status: 'pending'; attempts: number; lastError: string | null; nextAt: string | null } | { status: 'not_due' };
}

/** The durable record of sessions whose footage still has to reach the archive. */
const PendingFile = z
  .object({
    v: z.literal(1),
    sessions: z.record(
      z.string().max(128),
      z.object({ endsAt: z.string(), attempts: z.number().int().nonnegative(), lastError: z.string().max(500).nullable() }).strict(),
    ),
  })
  .strict();
type PendingFile = z.infer<typeof PendingFile>;

const FAILURES_BEFORE_ALARM = 3;

/**
 * The room's recording: one recorder camera per configured camera device, the active session
 * from the desired state, recorder alarms as appliance events, and the handover of each ended
 * session's footage to the cloud archive, retried until acknowledged and resumed after a restart.
 */
export class RoomRecording {
  private timer: NodeJS.Timeout | undefined;
  private active: RecordedSession | null = null;
  private pending: PendingFile = { v: 1, sessions: {} };
  private readonly nextAt = new Map<string, number>();
  private handing: Promise<void> | undefined;
  private stopped = false;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly pendingFile: string;

  private constructor(
    readonly recorder: RecordingService,
    private readonly o: RoomRecordingOptions,
  ) {
    this.log = o.logger.child({ part: 'recording' });
    this.now = o.now ?? (() => new Date());
    this.pendingFile = join(o.paths.dataDir, 'state', 'handovers.json');
  }

  static async create(o: RoomRecordingOptions): Promise<RoomRecording> {
    const log = o.logger.child({ part: 'recorder' });
    let self: RoomRecording | undefined;
    const base = recorderOptionsFromConfig(
      o.config,
      o.cameras.map(({ deviceId, port }) => ({ cameraId: deviceId, source: port.streamSource() })),
      {
        onAlarm: (a) => self?.onAlarm(a),
        log: (level, msg) => log[level](msg),
      },
    );
    const recorder = await createRecorder({
      ...base,
      // Resolved paths, not the raw config: a relative dataDir is relative to the config file.
      dir: o.paths.recordingDir,
      keyPath: join(o.paths.secretsDir, 'recording-ed25519.pem'),
      ...(o.recorder?.diskCheckIntervalMs ? { diskCheckIntervalMs: o.recorder.diskCheckIntervalMs } : {}),
      ...(o.recorder?.segmentSeconds ? { segmentSeconds: o.recorder.segmentSeconds } : {}),
    });
    self = new RoomRecording(recorder, o);
    return self;
  }

  async start(): Promise<void> {
    this.active = activeSessionAt(this.o.desired(), this.o.config.roomId, this.now());
    this.recorder.setActiveSession(this.active);
    if (this.active) this.log.info('recording for session', { sessionId: this.active.sessionId, lots: this.active.lotIds.length });
    await this.recorder.start();
    // After start: the recorder has read its index, so archived sessions are known.
    this.loadPending();
    this.tick();
    this.timer = setInterval(() => this.tick(), this.o.tickMs ?? 5000);
    this.timer.unref();
  }

  /** Re-evaluates the active session now (called on every desired-state change). */
  refresh(): void {
    if (!this.stopped) this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.recorder.stop();
    await this.handing?.catch(() => undefined);
  }

  get activeSession(): RecordedSession | null {
    return this.active;
  }

  /** Sessions not yet acknowledged by the archive. */
  pendingHandovers(): string[] {
    return Object.keys(this.pending.sessions);
  }

  telemetry(ts: string): TelemetrySample[] {
    const m = this.recorder.metrics();
    return [
      ...Object.entries(m).map(([metric, value]) => ({ ts, metric, value })),
      { ts, metric: 'recording.session_active', value: this.active ? 1 : 0 },
      { ts, metric: 'recording.handover.pending', value: this.pendingHandovers().length },
    ];
  }

  /** Every session with recorded segments, from the segment index, with its handover status. */
  async sessions(): Promise<SessionFootage[]> {
    const j = await readJournal(this.recorder.directory);
    const by = new Map<string, { lots: Set<string>; cameras: Set<string>; segments: number; bytes: number; from: string; to: string }>();
    for (const l of j.lines) {
      if (l.kind !== 'segment' || !l.sessionId) continue;
      let s = by.get(l.sessionId);
      if (!s) by.set(l.sessionId, (s = { lots: new Set(), cameras: new Set(), segments: 0, bytes: 0, from: l.start, to: l.end }));
      for (const lot of l.lotIds ?? []) s.lots.add(lot);
      s.cameras.add(l.camera);
      s.segments++;
      s.bytes += l.size;
      if (l.start < s.from) s.from = l.start;
      if (l.end > s.to) s.to = l.end;
    }
    return [...by].map(([sessionId, s]) => {
      const receipt = this.recorder.acknowledgement(sessionId);
      const p = this.pending.sessions[sessionId];
      const next = this.nextAt.get(sessionId);
      return {
        sessionId,
        lotIds: [...s.lots],
        cameras: [...s.cameras].sort(),
        segments: s.segments,
        bytes: s.bytes,
        from: s.from,
        to: s.to,
        handover: receipt
          ? { status: 'acknowledged' as const, receipt }
          : p
            ? { status: 'pending' as const, attempts: p.attempts, lastError: p.lastError, nextAt: next ? new Date(next).toISOString() : null }
            : { status: 'not_due' as const },
      };
    });
  }

  /* ------------------------------------------------------------------ internals */

  private onAlarm(a: RecordingAlarm): void {
    const source = a.camera ?? 'recorder';
    try {
      if (a.severity === 'cleared') this.o.record({ type: 'alarm.cleared', data: { alarm: a.alarm, source } });
      else this.o.record({ type: 'alarm.raised', data: { alarm: a.alarm, severity: a.severity, source, message: a.message.slice(0, 300) } });
    } catch (err) {
      // The outbox is closed once the appliance is stopping; the recorder's own log keeps it.
      this.log.info('recording alarm not recorded (appliance stopping)', { alarm: a.alarm, err: (err as Error).message });
    }
  }

  private tick(): void {
    const now = this.now();
    const desired = this.o.desired();
    const next = activeSessionAt(desired, this.o.config.roomId, now);
    if (!sameSession(next, this.active)) {
      this.log.info(next ? 'recording for session' : 'session over: idle recording', { sessionId: next?.sessionId ?? this.active?.sessionId });
      this.active = next;
      this.recorder.setActiveSession(next);
    }
    // Remember every started session: the cloud may drop it from the desired state once it ends.
    let changed = false;
    for (const s of startedSessions(desired, this.o.config.roomId, now)) {
      if (this.recorder.acknowledgement(s.sessionId)) continue;
      const p = this.pending.sessions[s.sessionId];
      if (!p) this.pending.sessions[s.sessionId] = { endsAt: s.endsAt, attempts: 0, lastError: null };
      else if (p.endsAt !== s.endsAt) p.endsAt = s.endsAt;
      else continue;
      changed = true;
    }
    if (changed) this.savePending();
    if (!this.handing && this.o.archive) {
      this.handing = this.handOverDue(now).finally(() => (this.handing = undefined));
    }
  }

  private async handOverDue(now: Date): Promise<void> {
    const grace = this.o.handoverGraceMs ?? ((this.o.recorder?.segmentSeconds ?? this.o.config.recording.segmentSeconds) * 1000 + 5000);
    const due = Object.entries(this.pending.sessions).filter(
      ([id, p]) => Date.parse(p.endsAt) + grace <= now.getTime() && (this.nextAt.get(id) ?? 0) <= now.getTime(),
    );
    if (due.length === 0) return;
    const recorded = new Set((await this.sessions()).map((s) => s.sessionId));
    for (const [sessionId, p] of due) {
      if (this.stopped) return;
      if (this.recorder.acknowledgement(sessionId)) {
        this.forget(sessionId);
        continue;
      }
      if (!recorded.has(sessionId)) {
        this.log.warn('session ended without recorded footage; nothing to hand over', { sessionId });
        this.o.record({ type: 'alarm.raised', data: { alarm: 'recording_session_without_footage', severity: 'warning', source: 'recorder', message: `session ${sessionId} ended with no recorded footage` } });
        this.forget(sessionId);
        continue;
      }
      try {
        const receipt = await this.recorder.handOverSession(sessionId, {
          baseUrl: this.o.archive!.baseUrl,
          secret: this.o.archive!.secret,
          sessionEndedAt: new Date(p.endsAt),
          scratchDir: this.o.paths.dataDir,
          log: (msg) => this.log.debug(msg, { sessionId }),
        });
        this.log.info('footage handed over to the archive', { sessionId, archiveId: receipt.archiveId, bundleSha256: receipt.bundleSha256 });
        if (p.attempts >= FAILURES_BEFORE_ALARM) this.o.record({ type: 'alarm.cleared', data: { alarm: 'footage_handover_failing', source: sessionId.slice(0, 64) } });
        this.forget(sessionId);
      } catch (err) {
        if (this.stopped) return;
        p.attempts++;
        p.lastError = (err as Error).message.slice(0, 500);
        const h = this.o.handoverBackoff ?? { initialMs: 5000, maxMs: 300_000 };
        const delay = backoffMs(p.attempts, h.initialMs, h.maxMs);
        this.nextAt.set(sessionId, Date.now() + delay);
        this.savePending();
        this.log.warn('footage handover failed; will retry', { sessionId, attempt: p.attempts, retryInMs: delay, err: p.lastError });
        if (p.attempts === FAILURES_BEFORE_ALARM) {
          this.o.record({
            type: 'alarm.raised',
            data: { alarm: 'footage_handover_failing', severity: 'warning', source: sessionId.slice(0, 64), message: `handover of session ${sessionId} failed ${p.attempts} times: ${p.lastError}`.slice(0, 300) },
          });
        }
      }
    }
  }

  private forget(sessionId: string): void {
    delete this.pending.sessions[sessionId];
    this.nextAt.delete(sessionId);
    this.savePending();
  }

  private loadPending(): void {
    if (!existsSync(this.pendingFile)) return;
    const parsed = parsePayload(PendingFile, readFileSync(this.pendingFile));
    if (!parsed.ok) {
      this.log.error('handover record is invalid; rebuilding it from the desired state', { file: this.pendingFile, reason: parsed.reason });
      return;
    }
    this.pending = parsed.value;
    for (const id of Object.keys(this.pending.sessions)) if (this.recorder.acknowledgement(id)) delete this.pending.sessions[id];
  }

  private savePending(): void {
    mkdirSync(join(this.o.paths.dataDir, 'state'), { recursive: true });
    atomicWriteFileSync(this.pendingFile, JSON.stringify(this.pending), 0o600);
  }
}
