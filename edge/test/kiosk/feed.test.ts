import { randomUUID } from 'node:crypto';
import { CheckinOutcome, type ApplianceEvent, type ApplianceEventBody } from '@evalroom/contracts';
import { KioskFeed } from '../../src/kiosk/feed';
import { todaySessions } from '../../src/kiosk/sessions';
import { OUTCOME_TEXT } from '../../src/kiosk/texts';
import { makeDesired, makeSession, residentId } from '../fixtures';

let seq = 0;
const event = (body: ApplianceEventBody, ts = new Date().toISOString()): ApplianceEvent =>
  ({ v: 1, eventId: randomUUID(), applianceId: 'app-1', seq: seq++, ts, ...body }) as ApplianceEvent;

describe('kiosk feed (appliance events + the name read at the door)', () => {
  it('gives a rejection its name, plain reason and action; an override marks it and inherits the name', () => {
    const feed = new KioskFeed();
    feed.cardRead('李四');
    feed.event(event({ type: 'checkin.rejected', data: { checkinId: 'c1', sessionId: 's1', expertRef: 'e2', outcome: 'face_mismatch', reason: 'score 0.1 < 0.5' } }));
    const [rejected] = feed.list();
    expect(rejected).toMatchObject({ checkinId: 'c1', name: '李四', outcome: 'face_mismatch', detail: 'score 0.1 < 0.5' });
    expect(rejected!.text.zh).toBe('人脸不匹配');
    expect(rejected!.text.actionZh).toContain('人工放行');

    const at = new Date().toISOString();
    feed.event(event({ type: 'checkin.admitted', data: { checkinId: 'c1', sessionId: 's1', expertRef: 'e2', workstation: 'W2', arrivedAt: at, method: 'staff_override', override: { staffId: 'staff-7', reason: 'papers checked' } } }));
    const [admitted, old] = feed.list();
    expect(admitted).toMatchObject({ outcome: 'admitted_by_staff', name: '李四', workstation: 'W2', staffId: 'staff-7', detail: 'papers checked' });
    expect(admitted!.text.zh).toBe('人工放行');
    expect(old!.overriddenBy).toEqual({ staffId: 'staff-7', at });
  });

  it('uses a card name once, forgets it after the TTL, and ignores a repeated event id', () => {
    let now = 1_000_000;
    const feed = new KioskFeed({ cardTtlMs: 1000, now: () => new Date(now) });
    feed.cardRead('王五');
    const admitted = event({ type: 'checkin.admitted', data: { checkinId: 'c2', sessionId: 's1', expertRef: 'e1', workstation: 'W1', arrivedAt: new Date(now).toISOString(), method: 'face' } });
    feed.event(admitted);
    feed.event(admitted);
    expect(feed.list()).toHaveLength(1);
    expect(feed.list()[0]).toMatchObject({ name: '王五', workstation: 'W1', outcome: 'admitted' });
    // The next outcome without a fresh read has no name; a read older than the TTL neither.
    feed.event(event({ type: 'checkin.rejected', data: { checkinId: 'c3', outcome: 'unknown_card', reason: 'not on a roster' } }));
    expect(feed.list()[0]!.name).toBeUndefined();
    feed.cardRead('赵六');
    now += 1500;
    feed.event(event({ type: 'checkin.rejected', data: { checkinId: 'c4', outcome: 'unknown_card', reason: 'not on a roster' } }));
    expect(feed.list()[0]!.name).toBeUndefined();
  });

  it('puts locker slots on admissions only (assigned, then returned), bounds the list, and wakes long polls', async () => {
    const feed = new KioskFeed({ max: 3 });
    const waiting = feed.waitForChange(feed.version, 5000);
    feed.event(event({ type: 'checkin.rejected', data: { checkinId: 'r1', outcome: 'unknown_card', reason: 'x' } }));
    await waiting; // resolved by the change, long before the 5 s timeout
    expect(feed.setLocker('r1', 4)).toBe(false);
    feed.event(event({ type: 'checkin.admitted', data: { checkinId: 'a1', sessionId: 's', expertRef: 'e', arrivedAt: new Date().toISOString(), method: 'face' } }));
    feed.event(event({ type: 'locker.assigned', data: { checkinId: 'a1', sessionId: 's', expertRef: 'e', lockerId: 'locker-1', lockerSlot: 4 } }));
    expect(feed.list()[0]!.lockerSlot).toBe(4);
    expect(feed.list()[0]!.lockerReleased).toBeUndefined();
    feed.event(event({ type: 'locker.released', data: { checkinId: 'a1', lockerId: 'locker-1', lockerSlot: 4, by: 'card' } }));
    expect(feed.list()[0]!.lockerReleased?.by).toBe('card');
    expect(feed.list()[1]!.lockerSlot).toBeUndefined();
    for (let i = 0; i < 5; i++) feed.event(event({ type: 'alarm.raised', data: { alarm: 'door.forced', severity: 'critical', source: 'gate-1', message: 'forced' } }));
    expect(feed.list()).toHaveLength(3);
    expect(feed.list()[0]!.text.zh).toBe('告警：门被强行打开');
    const stuck = feed.waitForChange(feed.version, 60_000);
    feed.close();
    await stuck;
  });

  it('has words and an action for every check-in outcome', () => {
    for (const o of CheckinOutcome.options) {
      expect(OUTCOME_TEXT[o].zh.length).toBeGreaterThan(1);
      expect(OUTCOME_TEXT[o].actionZh.length).toBeGreaterThan(3);
      expect(OUTCOME_TEXT[o].en.length).toBeGreaterThan(3);
    }
  });
});

describe('kiosk sessions of today', () => {
  const now = new Date('2026-11-21T02:00:00Z'); // 10:00 in Shanghai
  const ids = [residentId('11010119800101123'), residentId('11010119800101456')];

  it('lists this room’s sessions touching today with check-in open/closed and counts, never the roster', () => {
    const here = makeSession({ sessionId: 'today', idNumbers: ids, lots: [{ lotId: 'l1', code: 'B1', name: '一标段' }] }, now.getTime());
    const later = makeSession({ sessionId: 'later', idNumbers: ids, checkInOpensAt: '2026-11-21T05:00:00Z', checkInClosesAt: '2026-11-21T06:00:00Z', startsAt: '2026-11-21T06:00:00Z', endsAt: '2026-11-21T09:00:00Z' });
    const tomorrow = makeSession({ sessionId: 'tomorrow', idNumbers: ids, checkInOpensAt: '2026-11-22T01:00:00Z', checkInClosesAt: '2026-11-22T02:00:00Z', startsAt: '2026-11-22T02:00:00Z', endsAt: '2026-11-22T08:00:00Z' });
    const otherRoom = makeSession({ sessionId: 'other', roomId: 'room-2', idNumbers: ids }, now.getTime());
    const closed = makeSession({ sessionId: 'closed', status: 'closed', idNumbers: ids }, now.getTime());
    const r = todaySessions(makeDesired([tomorrow, later, here, otherRoom, closed]), 'room-1', 'Asia/Shanghai', now, { 'today/expert-1': 'c1' });
    expect(r.date).toBe('2026-11-21');
    expect(r.sessions.map((s) => s.sessionId).sort()).toEqual(['closed', 'later', 'today']);
    const today = r.sessions.find((s) => s.sessionId === 'today')!;
    expect(today).toMatchObject({ checkInOpen: true, rosterSize: 2, admitted: 1, lots: [{ code: 'B1', name: '一标段' }] });
    expect(r.sessions.find((s) => s.sessionId === 'later')!.checkInOpen).toBe(false);
    expect(r.sessions.find((s) => s.sessionId === 'closed')!.checkInOpen).toBe(false);
    expect(JSON.stringify(r)).not.toMatch(/idHash|roster"|expert-1/);
  });
});
