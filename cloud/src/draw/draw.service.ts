import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Caller } from '../auth/caller';
import { supervisesSession } from '../auth/scope';
import { AuditService } from '../audit/audit.service';
import { BookingsService, actorOf } from '../bookings/bookings.service';
import { PiiCipher } from '../crypto/pii-cipher';
import { CLOCK, type Clock } from '../rules/clock';
import { SESSION_STATUSES, type SessionStatus } from '../lifecycle/transitions';
import { commitmentOf, drawSubVenues, generateSeed, inputDigest, type DrawParams } from './draw';
import { DrawRepository, type DrawRow, type SessionInfo } from './draw.repository';
import { viewDraw, type DrawView, type StoredDraw } from './visibility';

export interface DrawRequest {
  committeeSize: number;
  subVenueSeats: number;
  minCenters?: number;
  kind?: 'initial' | 'supplementary';
  /** L(二): local dispersed = the main venue's city; intra-province = its province (default); cross-province = anywhere. */
  form?: 'local_dispersed' | 'intra_province' | 'cross_province';
}

export type DrawServiceResult = { ok: true; draw: DrawView } | { ok: false; status: 400 | 403 | 404 | 409; code: string; reason: string };

/** Sessions store the contract status; a fine lifecycle status maps onto it (see lifecycle). */
function asStatus(s: string): SessionStatus {
  return (SESSION_STATUSES as readonly string[]).includes(s) ? (s as SessionStatus) : 'scheduled';
}

/**
 * The random sub-venue draw with commit–reveal: a fresh seed is sealed at rest (AES-GCM) and
 * its SHA-256 commitment stored before the draw; the seed is revealed when the session starts.
 */
@Injectable()
export class DrawService {
  constructor(
    @Inject(DrawRepository) private readonly repo: DrawRepository,
    @Inject(BookingsService) private readonly bookings: BookingsService,
    @Inject(PiiCipher) private readonly cipher: PiiCipher,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private stored(row: DrawRow, seedHex: string): StoredDraw {
    return {
      id: row.id,
      sessionId: row.sessionId,
      mainVenueId: row.mainVenueId,
      commitment: row.commitment,
      inputDigest: row.inputDigest,
      createdAt: row.createdAt.toISOString(),
      seedHex,
      revealedAt: row.revealedAt ? row.revealedAt.toISOString() : null,
      eligible: row.eligible,
      params: row.params,
      assignments: row.assignments,
    };
  }

  /** Only dispatch (central ops, admin) and the main venue's staff may run a draw. */
  private mayDraw(caller: Caller, s: SessionInfo): boolean {
    return caller.role === 'admin' || caller.role === 'central_ops' || (caller.role === 'venue_staff' && caller.venueIds.includes(s.mainVenueId));
  }

  private maySee(caller: Caller, s: SessionInfo, rows: DrawRow[]): boolean {
    if (caller.role === 'admin' || caller.role === 'central_ops') return true;
    if (caller.role === 'supervisor') return supervisesSession(caller, { supervisingDepartment: s.supervisingDepartment });
    if (caller.role === 'venue_staff' || caller.role === 'technician') {
      return caller.venueIds.includes(s.mainVenueId) || rows.some((r) => r.assignments.some((a) => caller.venueIds.includes(a.venueId)));
    }
    return false;
  }

  async draw(caller: Caller, sessionId: string, req: DrawRequest): Promise<DrawServiceResult> {
    const s = await this.repo.session(sessionId);
    if (!s) return { ok: false, status: 404, code: 'not_found', reason: `no session ${sessionId}` };
    if (!this.mayDraw(caller, s)) return { ok: false, status: 403, code: 'forbidden', reason: 'only dispatch or the main venue runs the draw' };
    const kind = req.kind ?? 'initial';
    const previous = await this.repo.bySession(sessionId);
    if (kind === 'initial' && previous.some((d) => d.kind === 'initial')) return { ok: false, status: 409, code: 'already_drawn', reason: 'the sub-venues of this session were drawn already' };
    const params: DrawParams = { committeeSize: req.committeeSize, subVenueSeats: req.subVenueSeats, mainCenterId: s.mainCenterId, minCenters: req.minCenters ?? (kind === 'initial' ? 2 : 1) };
    const form = req.form ?? 'intra_province';
    const prefix = form === 'local_dispersed' ? s.mainRegionCode.slice(0, 4) : form === 'intra_province' ? s.mainRegionCode.slice(0, 2) : '';
    const candidates = (await this.repo.eligible(s.mainCenterId, s.startsAt, s.endsAt)).filter((v) => v.city.startsWith(prefix));
    const eligible = candidates.map(({ free: _f, ...v }) => v);
    const seed = generateSeed();
    const id = randomUUID();
    // 1. commit: the commitment and the inputs' digest are stored before the draw is computed
    await this.repo.insertCommitment({
      id, sessionId, mainVenueId: s.mainVenueId, kind, commitment: commitmentOf(seed), inputDigest: inputDigest(eligible, params),
      sealedSeed: this.cipher.seal(seed.toString('hex'), `draw:${id}`), eligible, params, createdBy: actorOf(caller),
    });
    await this.audit.record(caller, 'draw.commit', `session:${sessionId}`, { drawId: id, commitment: commitmentOf(seed) });
    // 2. draw
    const outcome = drawSubVenues(seed, eligible, params);
    if (!outcome.ok) return { ok: false, status: 409, code: outcome.code, reason: outcome.reason };
    await this.repo.setAssignments(id, [...outcome.assignments]);
    // 3. book the drawn seats, sealed from the main venue
    for (const a of outcome.assignments) {
      const free = candidates.find((c) => c.venueId === a.venueId)!.free.slice(0, a.seats);
      const booked = await this.bookings.book(caller, { projectCode: s.projectCode, mainVenueId: s.mainVenueId, sessionId, from: s.startsAt, to: s.endsAt, workstationIds: free, sealed: true });
      if (!booked.ok) return { ok: false, status: 409, code: booked.code, reason: `draw ${id}: ${booked.reason}` };
    }
    const row = (await this.repo.bySession(sessionId)).find((d) => d.id === id)!;
    return { ok: true, draw: viewDraw(this.stored(row, seed.toString('hex')), this.viewer(caller), asStatus(s.status)) };
  }

  private viewer(caller: Caller) {
    return { userId: caller.tokenId, role: caller.role, venueIds: caller.venueIds };
  }

  /** The draws of a session as this caller may see them (sealed fields absent). */
  async views(caller: Caller, sessionId: string): Promise<{ ok: true; draws: DrawView[] } | { ok: false; status: 403 | 404; code: string; reason: string }> {
    const s = await this.repo.session(sessionId);
    if (!s) return { ok: false, status: 404, code: 'not_found', reason: `no session ${sessionId}` };
    const rows = await this.repo.bySession(sessionId);
    if (!this.maySee(caller, s, rows)) return { ok: false, status: 403, code: 'forbidden', reason: 'not your session' };
    const draws = rows.map((r) => {
      // the seed is decrypted only once revealed
      const seedHex = r.revealedAt ? this.cipher.open(r.sealedSeed, `draw:${r.id}`) : '';
      return viewDraw(this.stored(r, seedHex), this.viewer(caller), asStatus(s.status));
    });
    return { ok: true, draws };
  }

  /** Reveals the seeds of a session's draws (called when the session starts). */
  async reveal(sessionId: string, actor: Caller | string): Promise<number> {
    const n = await this.repo.revealSession(sessionId, this.clock.now());
    if (n > 0) await this.audit.record(actor, 'draw.reveal', `session:${sessionId}`, { draws: n });
    return n;
  }
}
