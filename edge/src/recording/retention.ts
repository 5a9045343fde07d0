/**
 * Pure disk policy: given usage and what is on disk, decide what may record and what may be
 * deleted. Evaluation footage is never deleted to make room unless the archive acknowledged it
 * AND its retention has passed; idle (non-session) footage goes first, oldest first.
 */

export interface RetentionSegment {
  camera: string;
  seq: number;
  file: string;
  size: number;
  sha256: string;
  sessionId: string | null;
  start: Date;
}

export interface RetentionInput {
  now: Date;
  usedPct: number;
  totalBytes: number;
  highWatermarkPct: number;
  lowWatermarkPct: number;
  /** Whether idle recording is currently paused (hysteresis between the watermarks). */
  idlePaused: boolean;
  segments: RetentionSegment[];
  /** Sessions the archive has acknowledged. */
  acknowledgedSessions: ReadonlySet<string>;
  /** Session footage is kept at least this long even when acknowledged (15 years by rule). */
  sessionRetentionMs: number;
}

export interface DeletionStep {
  camera: string;
  seq: number;
  file: string;
  sha256: string;
  bytes: number;
  reason: string;
}

export interface RetentionPlan {
  /** Record while no session is active? */
  recordIdle: boolean;
  /** Session recording never stops by policy; only a full disk stops it. */
  recordSession: true;
  deletions: DeletionStep[];
  level: 'ok' | 'high' | 'full';
}

export function planRetention(i: RetentionInput): RetentionPlan {
  const high = i.usedPct >= i.highWatermarkPct;
  // Hysteresis: once paused, idle recording resumes only below the low watermark.
  const recordIdle = i.idlePaused ? i.usedPct < i.lowWatermarkPct : !high;
  const deletions: DeletionStep[] = [];
  if (high) {
    const target = (i.lowWatermarkPct / 100) * i.totalBytes;
    let used = (i.usedPct / 100) * i.totalBytes;
    const byAge = [...i.segments].sort((a, b) => a.start.getTime() - b.start.getTime() || a.seq - b.seq);
    const idle = byAge.filter((s) => s.sessionId === null);
    const expiredSession = byAge.filter(
      (s) =>
        s.sessionId !== null &&
        i.acknowledgedSessions.has(s.sessionId) &&
        i.now.getTime() - s.start.getTime() > i.sessionRetentionMs,
    );
    for (const s of [...idle, ...expiredSession]) {
      if (used <= target) break;
      deletions.push({
        camera: s.camera,
        seq: s.seq,
        file: s.file,
        sha256: s.sha256,
        bytes: s.size,
        reason: s.sessionId === null ? 'disk_high_watermark: idle footage' : 'retention_expired: archived session footage',
      });
      used -= s.size;
    }
  }
  // "full": even after all allowed deletions we stay above the watermark.
  const freed = deletions.reduce((n, d) => n + d.bytes, 0);
  const after = i.totalBytes > 0 ? i.usedPct - (freed / i.totalBytes) * 100 : 100;
  const level = !high ? 'ok' : after >= i.highWatermarkPct ? 'full' : 'high';
  return { recordIdle, recordSession: true, deletions, level };
}
