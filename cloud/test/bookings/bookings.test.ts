import { BookingsRepository } from '../../src/bookings/bookings.repository';
import { BookingsService } from '../../src/bookings/bookings.service';
import { WorkingDayCalendar } from '../../src/rules/calendar';
import { caller, createTestDb, FixedClock, seedDirectory, TestDb } from '../rules/testdb';

let t: TestDb;
let repo: BookingsRepository;
const clock = new FixedClock(new Date('2026-11-20T10:00:00+08:00'));
let svc: BookingsService;
const ops = caller('central_ops');

beforeAll(async () => {
  t = await createTestDb();
  await seedDirectory(t.db, [
    { center: 'c-sy', region: '2101', venue: 'v-main', rooms: [{ id: 'm1', shared: false, workstations: 6 }] },
    { center: 'c-dl', region: '2102', venue: 'v-dl', rooms: [{ id: 'd1', shared: true, workstations: 10 }, { id: 'd2', shared: false, workstations: 5, sharedWorkstations: 1 }] },
    { center: 'c-as', region: '2103', venue: 'v-as', rooms: [{ id: 'a1', shared: true, workstations: 10 }] },
  ]);
  repo = new BookingsRepository(t.db);
  svc = new BookingsService(repo, new WorkingDayCalendar(), clock);
});
afterAll(async () => t?.drop());

const slot = { from: new Date('2026-12-10T09:00:00+08:00'), to: new Date('2026-12-10T17:00:00+08:00') };

describe('bookings (PostgreSQL)', () => {
  it('books shared workstations, venue confirms within 3 days', async () => {
    const r = await svc.book(ops, { projectCode: 'P1', mainVenueId: 'v-main', tenderNoticeAt: clock.now(), ...slot, workstationIds: ['m1-w0', 'd1-w0', 'd1-w1', 'a1-w0'], committeeSize: 5 });
    if (!r.ok) throw new Error(r.reason);
    expect(r.confirmBy).toBe('2026-11-23');
    expect(r.bookings.map((b) => b.status)).toEqual(['requested', 'requested', 'requested', 'requested']);
    const c = await svc.confirm(caller('venue_staff', ['v-dl']), r.requestId);
    expect(c).toEqual({ ok: true, confirmed: 2, late: false });
    const rows = await repo.byRequest(r.requestId);
    expect(rows.filter((b) => b.status === 'confirmed').map((b) => b.venueId)).toEqual(['v-dl', 'v-dl']);
  });

  it('refuses double booking, unshared workstations, sub-venue over half, late filing — each with its reason', async () => {
    const overlap = await svc.book(ops, { projectCode: 'P2', mainVenueId: 'v-main', from: new Date('2026-12-10T16:00:00+08:00'), to: new Date('2026-12-10T18:00:00+08:00'), workstationIds: ['d1-w5', 'd1-w1'] });
    expect(overlap).toMatchObject({ ok: false, code: 'workstation_already_booked', reason: expect.stringContaining('d1-w1') });
    // nothing of the refused request was kept
    expect((await repo.byVenue('v-dl', slot.from, new Date('2026-12-11T00:00:00+08:00'))).some((b) => b.workstationId === 'd1-w5')).toBe(false);
    // adjacent slot is fine ([) ranges)
    const after = await svc.book(ops, { projectCode: 'P3', mainVenueId: 'v-main', from: slot.to, to: new Date('2026-12-10T20:00:00+08:00'), workstationIds: ['d1-w1'] });
    expect(after.ok).toBe(true);
    expect(await svc.book(ops, { projectCode: 'P4', mainVenueId: 'v-main', ...slot, workstationIds: ['d2-w3'] })).toMatchObject({ ok: false, code: 'workstation_not_shared' });
    expect((await svc.book(ops, { projectCode: 'P4', mainVenueId: 'v-main', ...slot, workstationIds: ['d2-w0'] })).ok).toBe(true); // the one shared seat of room d2
    expect(await svc.book(ops, { projectCode: 'P5', mainVenueId: 'v-main', ...slot, workstationIds: ['a1-w1', 'a1-w2', 'a1-w3'], committeeSize: 5 })).toMatchObject({ ok: false, code: 'sub_venue_over_half', rule: 'L13' });
    expect(await svc.book(ops, { projectCode: 'P6', mainVenueId: 'v-main', ...slot, workstationIds: ['m1-w1', 'm1-w2', 'm1-w3', 'm1-w4', 'a1-w4'], committeeSize: 5 })).toMatchObject({ ok: false, code: 'offsite_under_third', rule: 'L5' });
    expect(await svc.book(ops, { projectCode: 'P7', mainVenueId: 'v-main', tenderNoticeAt: new Date('2026-11-18T10:00:00+08:00'), ...slot, workstationIds: ['a1-w5'] })).toMatchObject({ ok: false, code: 'not_filed_with_tender_notice' });
    expect(await svc.book(caller('venue_staff', ['v-dl']), { projectCode: 'P8', mainVenueId: 'v-main', ...slot, workstationIds: ['a1-w6'] })).toMatchObject({ ok: false, code: 'forbidden' });
    const refusals = await repo.refusals();
    expect(refusals.map((r) => r.code)).toEqual(['workstation_already_booked', 'workstation_not_shared', 'sub_venue_over_half', 'offsite_under_third', 'not_filed_with_tender_notice', 'forbidden']);
    expect(refusals.every((r) => r.reason.length > 10)).toBe(true);
  });

  it('L14 changes: the 5th day before is accepted and checked within 1 working day; the 4th is refused', async () => {
    const r = await svc.book(ops, { projectCode: 'C1', mainVenueId: 'v-main', from: new Date('2026-12-14T09:00:00+08:00'), to: new Date('2026-12-14T12:00:00+08:00'), workstationIds: ['a1-w8'] });
    if (!r.ok) throw new Error(r.reason);
    clock.t = new Date('2026-12-09T18:00:00+08:00'); // Wednesday, 5 days before Monday 12-14
    const ch = await svc.requestChange(ops, r.requestId, new Date('2026-12-15T09:00:00+08:00'), new Date('2026-12-15T12:00:00+08:00'), '项目延期，开标推迟一天');
    expect(ch).toMatchObject({ ok: true, checkBy: '2026-12-10' });
    clock.t = new Date('2026-12-10T00:00:00+08:00'); // 4 days before
    expect(await svc.requestChange(ops, r.requestId, new Date('2026-12-16T09:00:00+08:00'), new Date('2026-12-16T12:00:00+08:00'), '再次延期')).toMatchObject({ ok: false, code: 'change_too_late' });
    if (!ch.ok) throw new Error(ch.reason);
    expect(await svc.decideChange(caller('venue_staff', ['v-as']), ch.changeId, true, 'ok')).toEqual({ ok: true, status: 'approved', late: false });
    const rows = await repo.byRequest(r.requestId);
    expect(rows[0]!.from.toISOString()).toBe('2026-12-15T01:00:00.000Z');
    clock.t = new Date('2026-11-20T10:00:00+08:00');
  });

  it('1,000 concurrent attempts on overlapping workstations: 0 double bookings, every refusal with its reason', async () => {
    const ws = Array.from({ length: 10 }, (_, i) => `d1-w${i}`).concat(Array.from({ length: 10 }, (_, i) => `a1-w${i}`));
    const day = new Date('2027-01-05T00:00:00+08:00').getTime();
    const hour = 3_600_000;
    const attempts = Array.from({ length: 1000 }, (_, i) => {
      const start = day + (8 + (i % 7)) * hour; // 7 overlapping start hours, each 3 h long
      return svc.book(ops, { projectCode: `X${i}`, mainVenueId: 'v-main', from: new Date(start), to: new Date(start + 3 * hour), workstationIds: [ws[(i * 7) % ws.length]!] });
    });
    const results = await Promise.all(attempts);
    const ok = results.filter((r) => r.ok).length;
    const refused = results.filter((r): r is Extract<typeof r, { ok: false }> => !r.ok);
    expect(ok + refused.length).toBe(1000);
    expect(ok).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(900);
    expect(refused.every((r) => r.code === 'workstation_already_booked' && /already booked/.test(r.reason))).toBe(true);
    expect(await repo.overlaps()).toBe(0);
    const logged = (await repo.refusals()).filter((r) => r.projectCode.startsWith('X'));
    expect(logged.length).toBe(refused.length);
    // per workstation at most 3 non-overlapping 3-hour slots fit in 08:00–17:00 starts
    expect(ok).toBeLessThanOrEqual(ws.length * 3);
  }, 60_000);
});
