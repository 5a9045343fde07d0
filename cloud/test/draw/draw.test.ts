import { SeedStream } from '../../src/draw/csprng';
import { commitmentOf, drawSubVenues, EligibleVenue, generateSeed, inputDigest, verifyDraw, DrawParams } from '../../src/draw/draw';
import { StoredDraw, viewDraw, maySeeExpert, Viewer } from '../../src/draw/visibility';
import { SESSION_STATUSES } from '../../src/lifecycle/transitions';

const eligible: EligibleVenue[] = [
  { venueId: 'v-anshan', centerId: 'c-anshan', province: '辽宁省', city: '鞍山市', availableSeats: 6 },
  { venueId: 'v-dalian', centerId: 'c-dalian', province: '辽宁省', city: '大连市', availableSeats: 10 },
  { venueId: 'v-dalian-2', centerId: 'c-dalian', province: '辽宁省', city: '大连市', availableSeats: 4 },
  { venueId: 'v-fushun', centerId: 'c-fushun', province: '辽宁省', city: '抚顺市', availableSeats: 1 },
  { venueId: 'v-jinzhou', centerId: 'c-jinzhou', province: '辽宁省', city: '锦州市', availableSeats: 8 },
  { venueId: 'v-shenyang', centerId: 'c-shenyang', province: '辽宁省', city: '沈阳市', availableSeats: 20 },
];
const params: DrawParams = { committeeSize: 9, subVenueSeats: 6, mainCenterId: 'c-shenyang', minCenters: 2 };
const seed = Buffer.from('9f1c2b7e4d5a69380a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778', 'hex');

describe('CSPRNG stream', () => {
  it('is deterministic per seed and unbiased enough over 60,000 draws', () => {
    const a = new SeedStream(seed);
    const b = new SeedStream(seed);
    const xs = Array.from({ length: 100 }, () => a.uniform(7));
    expect(Array.from({ length: 100 }, () => b.uniform(7))).toEqual(xs);
    const counts = new Array(6).fill(0);
    const s = new SeedStream(generateSeed());
    for (let i = 0; i < 60_000; i += 1) counts[s.uniform(6)] += 1;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500); // > 5 sigma
    expect(() => new SeedStream(Buffer.alloc(8))).toThrow(RangeError);
  });
});

describe('sub-venue draw [H6, L13]', () => {
  it('draws ≥ 2 other centers, none above half of the committee, never the main center', () => {
    for (let i = 0; i < 200; i += 1) {
      const r = drawSubVenues(generateSeed(), eligible, params);
      if (!r.ok) throw new Error(r.reason);
      const centers = new Set(r.assignments.map((a) => a.centerId));
      expect(centers.size).toBe(r.assignments.length);
      expect(centers.size).toBeGreaterThanOrEqual(2);
      expect(centers.has('c-shenyang')).toBe(false);
      expect(r.assignments.reduce((s, a) => s + a.seats, 0)).toBe(6);
      for (const a of r.assignments) {
        expect(a.seats * 2).toBeLessThanOrEqual(9);
        expect(a.seats).toBeLessThanOrEqual(eligible.find((v) => v.venueId === a.venueId)!.availableSeats);
      }
    }
  });

  it('is a function of (seed, canonical list, params): list order does not matter', () => {
    const r1 = drawSubVenues(seed, eligible, params);
    const r2 = drawSubVenues(seed, [...eligible].reverse(), params);
    expect(r1).toEqual(r2);
    const other = Array.from({ length: 20 }, () => JSON.stringify(drawSubVenues(generateSeed(), eligible, params)));
    expect(new Set(other).size).toBeGreaterThan(1); // it is actually random across seeds
  });

  it('refuses with its reason when fewer than 2 other centers are eligible', () => {
    const r = drawSubVenues(seed, eligible.filter((v) => v.centerId === 'c-dalian' || v.centerId === 'c-shenyang'), params);
    expect(r).toMatchObject({ ok: false, code: 'not_enough_centers' });
    const tight = drawSubVenues(seed, eligible.filter((v) => ['c-fushun', 'c-anshan'].includes(v.centerId)), { ...params, subVenueSeats: 8 });
    expect(tight).toMatchObject({ ok: false, code: 'not_enough_seats' });
  });

  it('anyone reproduces the draw from the revealed seed; a wrong seed or changed input fails', () => {
    const r = drawSubVenues(seed, eligible, params);
    if (!r.ok) throw new Error(r.reason);
    const record = { commitment: commitmentOf(seed), inputDigest: inputDigest(eligible, params), eligible, params, assignments: r.assignments };
    expect(verifyDraw(seed.toString('hex'), record)).toEqual({ ok: true, reason: 'reproduced' });
    expect(verifyDraw(generateSeed().toString('hex'), record).ok).toBe(false);
    const tampered = { ...record, eligible: eligible.slice(1) };
    expect(verifyDraw(seed.toString('hex'), tampered).reason).toMatch(/inputs differ/);
    const swapped = { ...record, assignments: [...r.assignments].reverse() };
    expect(verifyDraw(seed.toString('hex'), swapped).ok).toBe(false);
  });
});

describe('sealed draw views per role', () => {
  const r = drawSubVenues(seed, eligible, params);
  if (!r.ok) throw new Error(r.reason);
  const stored: StoredDraw = {
    id: 'd1', sessionId: 's1', mainVenueId: 'v-shenyang', commitment: commitmentOf(seed), inputDigest: inputDigest(eligible, params),
    createdAt: '2026-11-20T00:00:00Z', seedHex: seed.toString('hex'), revealedAt: null, eligible, params, assignments: r.assignments,
  };
  const drawn = r.assignments[0]!.venueId;
  const notDrawn = eligible.find((v) => v.centerId !== 'c-shenyang' && !r.assignments.some((a) => a.venueId === v.venueId))!.venueId;
  const viewers: Record<string, Viewer> = {
    technician: { userId: 't', role: 'technician', venueIds: ['v-shenyang'] },
    mainStaff: { userId: 'm', role: 'venue_staff', venueIds: ['v-shenyang'] },
    subStaff: { userId: 's', role: 'venue_staff', venueIds: [drawn] },
    otherStaff: { userId: 'o', role: 'venue_staff', venueIds: [notDrawn] },
    admin: { userId: 'a', role: 'admin', venueIds: [] },
    ops: { userId: 'c', role: 'central_ops', venueIds: [] },
    supervisor: { userId: 'x', role: 'supervisor', venueIds: [] },
  };
  const otherSubVenues = r.assignments.slice(1).map((a) => a.venueId);
  const leaks = (view: unknown, ids: string[]) => ids.some((id) => JSON.stringify(view).includes(id));

  it('before the start: only dispatch and supervision see the sub-venues; nobody sees the seed', () => {
    for (const [name, v] of Object.entries(viewers)) {
      const view = viewDraw(stored, v, 'checking_in');
      expect([name, JSON.stringify(view).includes(stored.seedHex)]).toEqual([name, false]);
      const seesAll = name === 'ops' || name === 'supervisor';
      expect([name, leaks(view, otherSubVenues)]).toEqual([name, seesAll]);
      expect([name, 'assignments' in view]).toEqual([name, seesAll]);
    }
    expect(viewDraw(stored, viewers.subStaff!, 'checking_in').ownSeats).toEqual([r.assignments[0]]);
    expect(viewDraw(stored, viewers.otherStaff!, 'checking_in').ownSeats).toBeUndefined();
  });

  it('after the start and reveal: the main venue sees the sub-venues, everyone sees the seed', () => {
    const revealed = { ...stored, revealedAt: '2026-11-21T01:00:00Z' };
    expect(viewDraw(revealed, viewers.mainStaff!, 'in_progress').assignments).toEqual(r.assignments);
    expect(viewDraw(revealed, viewers.technician!, 'in_progress').seed).toBe(seed.toString('hex'));
    expect(leaks(viewDraw(revealed, viewers.subStaff!, 'in_progress'), otherSubVenues.filter((id) => !JSON.stringify(eligible).includes(id)))).toBe(false);
    expect(viewDraw(revealed, viewers.subStaff!, 'in_progress').assignments).toBeUndefined();
  });

  it('expert identities: only the expert’s venue after the identity check, and supervisors', () => {
    const expert = { venueId: drawn, checkedInAt: null };
    const passed = { venueId: drawn, checkedInAt: '2026-11-21T00:50:00Z' };
    for (const status of SESSION_STATUSES) {
      expect(maySeeExpert(viewers.subStaff!, expert, status)).toBe(false);
      expect(maySeeExpert(viewers.mainStaff!, passed, status)).toBe(false);
      expect(maySeeExpert(viewers.ops!, passed, status)).toBe(false);
      expect(maySeeExpert(viewers.admin!, passed, status)).toBe(false);
      expect(maySeeExpert(viewers.supervisor!, passed, status)).toBe(true);
    }
    expect(maySeeExpert(viewers.subStaff!, passed, 'checking_in')).toBe(true);
    expect(maySeeExpert(viewers.subStaff!, passed, 'scheduled')).toBe(false);
  });
});
