import type { DesiredState, RoomSession } from '@evalroom/contracts';

/** The session the room's cameras record for, as the recorder wants it. */
export interface RecordedSession {
  sessionId: string;
  lotIds: string[];
}

/** A session of this room that has started, remembered until its footage is handed over. */
export interface SessionSpan {
  sessionId: string;
  startsAt: string;
  endsAt: string;
}

/** Sessions that never took place have no footage to tag or hand over. */
const NOT_HELD = new Set<RoomSession['status']>(['dissolved']);

const inRoom = (s: RoomSession, roomId: string): boolean => (s.roomId ?? roomId) === roomId && !NOT_HELD.has(s.status);

/**
 * The session whose [startsAt, endsAt] contains `now` in this room, or null (idle recording).
 * Two overlapping sessions (a scheduling error upstream): the one that started last wins, so
 * footage is never tagged with a session that should already be over.
 */
export function activeSessionAt(desired: DesiredState | undefined, roomId: string, now: Date): RecordedSession | null {
  const t = now.getTime();
  const live = (desired?.sessions ?? [])
    .filter((s) => inRoom(s, roomId) && Date.parse(s.startsAt) <= t && t <= Date.parse(s.endsAt))
    .sort((a, b) => Date.parse(b.startsAt) - Date.parse(a.startsAt));
  const s = live[0];
  return s ? { sessionId: s.sessionId, lotIds: s.lots.map((l) => l.lotId) } : null;
}

/** Sessions of this room that have started by `now` (candidates for a handover once ended). */
export function startedSessions(desired: DesiredState | undefined, roomId: string, now: Date): SessionSpan[] {
  const t = now.getTime();
  return (desired?.sessions ?? [])
    .filter((s) => inRoom(s, roomId) && Date.parse(s.startsAt) <= t)
    .map((s) => ({ sessionId: s.sessionId, startsAt: s.startsAt, endsAt: s.endsAt }));
}

export const sameSession = (a: RecordedSession | null, b: RecordedSession | null): boolean =>
  a === b || (!!a && !!b && a.sessionId === b.sessionId && a.lotIds.join('\n') === b.lotIds.join('\n'));

/** Next delay of a retry with exponential backoff, capped. */
export function backoffMs(failures: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, failures - 1));
}
