import { activeSessionAt, backoffMs, sameSession, startedSessions } from '../../src/app/sessions';
import { makeDesired, makeSession } from '../fixtures';

const T = Date.parse('2026-11-21T02:00:00Z');
const iso = (minutes: number) => new Date(T + minutes * 60_000).toISOString();
const session = (id: string, from: number, to: number, extra: Record<string, unknown> = {}) =>
  makeSession({ idNumbers: [], sessionId: id, startsAt: iso(from), endsAt: iso(to), lots: [{ lotId: `${id}-lot`, code: 'L', name: 'lot' }], ...extra });

describe('which session the room records for (pure)', () => {
  it('is the session whose [startsAt, endsAt] contains now, bounds included, with its lots', () => {
    const d = makeDesired([session('a', -60, 0), session('b', 30, 90)]);
    expect(activeSessionAt(d, 'room-1', new Date(T))).toEqual({ sessionId: 'a', lotIds: ['a-lot'] });
    expect(activeSessionAt(d, 'room-1', new Date(T + 60_000))).toBeNull(); // between sessions: idle
    expect(activeSessionAt(d, 'room-1', new Date(T + 30 * 60_000))).toEqual({ sessionId: 'b', lotIds: ['b-lot'] });
    expect(activeSessionAt(undefined, 'room-1', new Date(T))).toBeNull();
  });

  it('ignores other rooms and dissolved sessions; of overlapping ones the latest started wins', () => {
    const d = makeDesired([
      session('other-room', -10, 10, { roomId: 'room-9' }),
      session('dissolved', -10, 10, { status: 'dissolved' }),
      session('early', -60, 60),
      session('late', -5, 60),
    ]);
    expect(activeSessionAt(d, 'room-1', new Date(T))?.sessionId).toBe('late');
    expect(startedSessions(d, 'room-1', new Date(T)).map((s) => s.sessionId).sort()).toEqual(['early', 'late']);
  });

  it('lists started sessions only (candidates for a handover)', () => {
    const d = makeDesired([session('past', -120, -60), session('future', 10, 20)]);
    expect(startedSessions(d, 'room-1', new Date(T))).toEqual([{ sessionId: 'past', startsAt: iso(-120), endsAt: iso(-60) }]);
  });

  it('compares sessions by id and lots; backoff doubles up to its cap', () => {
    expect(sameSession(null, null)).toBe(true);
    expect(sameSession({ sessionId: 'a', lotIds: ['1'] }, { sessionId: 'a', lotIds: ['1'] })).toBe(true);
    expect(sameSession({ sessionId: 'a', lotIds: ['1'] }, { sessionId: 'a', lotIds: ['1', '2'] })).toBe(false);
    expect(sameSession({ sessionId: 'a', lotIds: [] }, null)).toBe(false);
    expect([1, 2, 3, 4, 10].map((n) => backoffMs(n, 5000, 30_000))).toEqual([5000, 10_000, 20_000, 30_000, 30_000]);
  });
});
