import { createHash, randomBytes } from 'node:crypto';
import { SeedStream } from './csprng';

/** A venue that may host sub-venue experts (shared workstations free in the slot). */
export interface EligibleVenue {
  readonly venueId: string;
  /** The public resource trading center the venue belongs to. */
  readonly centerId: string;
  readonly province: string;
  readonly city: string;
  readonly availableSeats: number;
}

export interface DrawParams {
  readonly committeeSize: number;
  /** Experts to seat outside the main venue. */
  readonly subVenueSeats: number;
  /** The main venue's center is never drawn. */
  readonly mainCenterId: string;
  /** H6: sub-venues spread over at least this many other centers. */
  readonly minCenters: number;
}

export interface DrawAssignment {
  readonly venueId: string;
  readonly centerId: string;
  readonly seats: number;
}

export type DrawOutcome =
  | { readonly ok: true; readonly assignments: readonly DrawAssignment[] }
  | { readonly ok: false; readonly code: string; readonly reason: string };

export function generateSeed(): Buffer {
  return randomBytes(32);
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The commitment published before the draw: SHA-256 of the seed bytes, hex. */
export function commitmentOf(seed: Buffer): string {
  return sha256Hex(seed);
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The canonical eligible list: sorted by venue id, fields in a fixed order. */
export function canonicalEligible(list: readonly EligibleVenue[]): EligibleVenue[] {
  return [...list]
    .map((v) => ({ venueId: v.venueId, centerId: v.centerId, province: v.province, city: v.city, availableSeats: v.availableSeats }))
    .sort((a, b) => cmp(a.venueId, b.venueId));
}

/** A hash of the draw's inputs, published with the commitment so nobody can change them later. */
export function inputDigest(eligible: readonly EligibleVenue[], params: DrawParams): string {
  const p = { committeeSize: params.committeeSize, subVenueSeats: params.subVenueSeats, mainCenterId: params.mainCenterId, minCenters: params.minCenters };
  return sha256Hex(JSON.stringify({ eligible: canonicalEligible(eligible), params: p }));
}

/**
 * The draw: a deterministic function of (seed, canonical eligible list, parameters).
 * Shuffles the eligible venues with the seed stream, then takes venues in that order, one per
 * center, until the seats fit with no sub-venue above 1/2 of the committee (L13) and at least
 * `minCenters` centers (H6). Seats are spread as evenly as possible.
 */
export function drawSubVenues(seed: Buffer, eligible: readonly EligibleVenue[], params: DrawParams): DrawOutcome {
  const { committeeSize, subVenueSeats, minCenters } = params;
  if (subVenueSeats < 1 || subVenueSeats > committeeSize) return { ok: false, code: 'bad_params', reason: 'subVenueSeats must be within the committee' };
  const maxPerVenue = Math.floor(committeeSize / 2);
  const pool = canonicalEligible(eligible).filter((v) => v.centerId !== params.mainCenterId && v.availableSeats > 0);
  const order = new SeedStream(seed).shuffle(pool);
  const centers = new Set(order.map((v) => v.centerId)).size;
  if (centers < minCenters) {
    return { ok: false, code: 'not_enough_centers', reason: `${centers} eligible other centers, ${minCenters} needed (H6: agree sub-venues with the supervision department)` };
  }
  const kMin = Math.max(minCenters, Math.ceil(subVenueSeats / Math.max(1, maxPerVenue)));
  for (let k = kMin; k <= Math.min(centers, subVenueSeats); k += 1) {
    const shares = Array.from({ length: k }, (_, i) => Math.floor(subVenueSeats / k) + (i < subVenueSeats % k ? 1 : 0));
    if ((shares[0] ?? 0) > maxPerVenue) continue;
    const chosen: DrawAssignment[] = [];
    const used = new Set<string>();
    for (const v of order) {
      const need = shares[chosen.length];
      if (need === undefined) break;
      if (used.has(v.centerId) || v.availableSeats < need) continue;
      used.add(v.centerId);
      chosen.push({ venueId: v.venueId, centerId: v.centerId, seats: need });
    }
    if (chosen.length === k) return { ok: true, assignments: chosen };
  }
  return { ok: false, code: 'not_enough_seats', reason: `cannot seat ${subVenueSeats} experts in ≥ ${minCenters} other centers with ≤ ${maxPerVenue} per sub-venue` };
}

export interface DrawRecord {
  readonly commitment: string;
  readonly inputDigest: string;
  readonly eligible: readonly EligibleVenue[];
  readonly params: DrawParams;
  readonly assignments: readonly DrawAssignment[];
}

/** Anyone can check a revealed draw: the seed matches the commitment and reproduces the result. */
export function verifyDraw(seedHex: string, record: DrawRecord): { ok: boolean; reason: string } {
  const seed = Buffer.from(seedHex, 'hex');
  if (commitmentOf(seed) !== record.commitment) return { ok: false, reason: 'the seed does not match the commitment' };
  if (inputDigest(record.eligible, record.params) !== record.inputDigest) return { ok: false, reason: 'the inputs differ from the published digest' };
  const again = drawSubVenues(seed, record.eligible, record.params);
  if (!again.ok) return { ok: false, reason: again.reason };
  if (JSON.stringify(again.assignments) !== JSON.stringify(record.assignments)) return { ok: false, reason: 'the result differs from the reproduced draw' };
  return { ok: true, reason: 'reproduced' };
}
