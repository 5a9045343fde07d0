import type { DesiredState, SessionStatus } from '@evalroom/contracts';

/** A session as the kiosk shows it: no roster, no identities; counts only. */
export interface KioskSession {
  sessionId: string;
  projectCode: string;
  projectName: string;
  lots: Array<{ code: string; name: string }>;
  status: SessionStatus;
  startsAt: string;
  endsAt: string;
  checkInOpensAt: string;
  checkInClosesAt: string;
  /** Check-in accepts cards now (status allows it and now is inside the window). */
  checkInOpen: boolean;
  rosterSize: number;
  admitted: number;
}

// The same statuses the check-in machine refuses to match (src/checkin/machine.ts).
const NOT_CHECKING_IN = new Set<SessionStatus>(['closed', 'archived', 'dissolved']);

const ymd = (at: Date, timezone: string): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

/**
 * This room's sessions that touch today (local date in `timezone`): check-in or evaluation
 * starts, ends or spans today. `admissions` is the check-in service's `sessionId/expertRef` map.
 */
export function todaySessions(
  desired: DesiredState | undefined,
  roomId: string,
  timezone: string,
  now: Date,
  admissions: Record<string, string>,
): { date: string; sessions: KioskSession[] } {
  const today = ymd(now, timezone);
  const admittedBySession = new Map<string, number>();
  for (const key of Object.keys(admissions)) {
    const sid = key.slice(0, key.indexOf('/'));
    admittedBySession.set(sid, (admittedBySession.get(sid) ?? 0) + 1);
  }
  const sessions = (desired?.sessions ?? [])
    .filter((s) => (s.roomId ?? roomId) === roomId)
    .filter((s) => {
      const first = ymd(new Date(Math.min(Date.parse(s.checkInOpensAt), Date.parse(s.startsAt))), timezone);
      const last = ymd(new Date(Math.max(Date.parse(s.checkInClosesAt), Date.parse(s.endsAt))), timezone);
      return first <= today && today <= last;
    })
    .map((s) => ({
      sessionId: s.sessionId,
      projectCode: s.projectCode,
      projectName: s.projectName,
      lots: s.lots.map((l) => ({ code: l.code, name: l.name })),
      status: s.status,
      startsAt: s.startsAt,
      endsAt: s.endsAt,
      checkInOpensAt: s.checkInOpensAt,
      checkInClosesAt: s.checkInClosesAt,
      checkInOpen: !NOT_CHECKING_IN.has(s.status) && Date.parse(s.checkInOpensAt) <= now.getTime() && now.getTime() <= Date.parse(s.checkInClosesAt),
      rosterSize: s.roster.length,
      admitted: admittedBySession.get(s.sessionId) ?? 0,
    }))
    .sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  return { date: today, sessions };
}
