import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Caller } from '../auth/caller';
import { WorkingDayCalendar, cstDate } from '../rules/calendar';
import { CLOCK, type Clock } from '../rules/clock';
import {
  changeCheckDeadline,
  checkChangeWindow,
  checkComposition,
  checkFiledWithTenderNotice,
  confirmationDeadline,
  checkConfirmationInTime,
} from '../rules/booking-rules';
import { BookingsRepository, type BookingRow } from './bookings.repository';

export interface BookingRequest {
  projectCode: string;
  mainVenueId: string;
  sessionId?: string | null;
  tenderNoticeAt?: Date | null;
  from: Date;
  to: Date;
  workstationIds: string[];
  /** When given, L13 (≤ 1/2 per sub-venue) is checked on this request; L5 when it seats all. */
  committeeSize?: number;
  /** Sub-venue bookings made by the draw are sealed from the main venue. */
  sealed?: boolean;
}

export type Refusal = { ok: false; code: string; rule: string; reason: string };
export type BookingResult = { ok: true; requestId: string; confirmBy: string; bookings: BookingRow[] } | Refusal;

export const actorOf = (c: Caller): string => `${c.role}:${c.tokenId}`;

function isConflict(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23P01' || (e?.code === '23505' && /booking_slot_claims/.test(e.message ?? '')) || /bookings_no_overlap|booking_slot_claims/.test(e?.message ?? '');
}

/** Workstation bookings with the rules of L13/L14, no double booking (database-enforced). */
@Injectable()
export class BookingsService {
  constructor(
    @Inject(BookingsRepository) private readonly repo: BookingsRepository,
    @Inject(WorkingDayCalendar) private readonly calendar: WorkingDayCalendar,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private async refuse(actor: Caller, req: Pick<BookingRequest, 'projectCode' | 'from' | 'to'>, code: string, rule: string, reason: string, workstationId: string | null = null): Promise<Refusal> {
    const validDates = req.from instanceof Date && req.to instanceof Date && req.from < req.to;
    await this.repo.recordRefusal({ actor: actorOf(actor), projectCode: req.projectCode, workstationId, from: validDates ? req.from : null, to: validDates ? req.to : null, code, rule, reason });
    return { ok: false, code, rule, reason };
  }

  async book(actor: Caller, req: BookingRequest): Promise<BookingResult> {
    const now = this.clock.now();
    if (!(req.from < req.to)) return this.refuse(actor, req, 'bad_slot', 'L13', 'the slot must end after it starts');
    if (req.from <= now) return this.refuse(actor, req, 'slot_in_past', 'L13', 'the slot has already started');
    const ids = [...new Set(req.workstationIds)];
    if (ids.length === 0 || ids.length !== req.workstationIds.length) return this.refuse(actor, req, 'bad_workstations', 'L13', 'list each workstation once');
    const filed = checkFiledWithTenderNotice(req.tenderNoticeAt ?? null, now);
    if (!filed.ok) return this.refuse(actor, req, filed.code, filed.rule, filed.reason);
    if (actor.role === 'venue_staff' && !actor.venueIds.includes(req.mainVenueId)) {
      return this.refuse(actor, req, 'forbidden', 'scope', 'venue staff book only for projects of their own venue');
    }
    const found = await this.repo.workstations(ids);
    const byId = new Map(found.map((w) => [w.id, w]));
    for (const id of ids) {
      const w = byId.get(id);
      if (!w) return this.refuse(actor, req, 'unknown_workstation', 'L9', `workstation ${id} is not in the directory`, id);
      if (w.venueId !== req.mainVenueId && !w.shared) {
        return this.refuse(actor, req, 'workstation_not_shared', 'L9', `workstation ${id} is not in the shared directory`, id);
      }
    }
    if (req.committeeSize !== undefined) {
      const seats = new Map<string, number>();
      for (const id of ids) seats.set(byId.get(id)!.venueId, (seats.get(byId.get(id)!.venueId) ?? 0) + 1);
      const venues = [...seats].map(([venueId, n]) => ({ venueId, seats: n }));
      const over = venues.find((v) => v.venueId !== req.mainVenueId && v.seats * 2 > req.committeeSize!);
      if (over) return this.refuse(actor, req, 'sub_venue_over_half', 'L13', `sub-venue ${over.venueId} would hold ${over.seats} of ${req.committeeSize} seats, more than 1/2`);
      if (ids.length === req.committeeSize) {
        const c = checkComposition({ committeeSize: req.committeeSize, mainVenueId: req.mainVenueId, venues });
        if (!c.ok) return this.refuse(actor, req, c.code, c.rule, c.reason);
      }
    }
    const requestId = randomUUID();
    const confirmBy = confirmationDeadline(now);
    let current: string | null = null;
    try {
      await this.repo.transaction(async (tx) => {
        for (const id of ids) {
          current = id;
          await this.repo.insert(tx, {
            id: randomUUID(), requestId, projectCode: req.projectCode, sessionId: req.sessionId ?? null, mainVenueId: req.mainVenueId,
            venueId: byId.get(id)!.venueId, workstationId: id, from: req.from, to: req.to, sealed: req.sealed ?? false,
            filedBy: actorOf(actor), filedAt: now, tenderNoticeAt: req.tenderNoticeAt ?? null, confirmBy,
          });
        }
      });
    } catch (err) {
      if (isConflict(err)) {
        return this.refuse(actor, req, 'workstation_already_booked', 'no double booking', `workstation ${current} is already booked in an overlapping slot`, current);
      }
      throw err;
    }
    return { ok: true, requestId, confirmBy, bookings: await this.repo.byRequest(requestId) };
  }

  /** L14: the venue confirms its rows of a request (within 3 days; a late confirmation is flagged). */
  async confirm(actor: Caller, requestId: string): Promise<{ ok: true; confirmed: number; late: boolean } | Refusal> {
    const rows = await this.repo.byRequest(requestId);
    if (rows.length === 0) return { ok: false, code: 'not_found', rule: 'L14', reason: `no booking request ${requestId}` };
    const venues = actor.role === 'venue_staff' ? actor.venueIds : [...new Set(rows.map((r) => r.venueId))];
    const now = this.clock.now();
    const n = await this.repo.confirm(requestId, venues, actorOf(actor), now);
    if (n === 0) return { ok: false, code: 'nothing_to_confirm', rule: 'L14', reason: 'no pending booking of your venue in this request' };
    const late = !checkConfirmationInTime(rows[0]!.filedAt, now).ok;
    return { ok: true, confirmed: n, late };
  }

  /** L14: change requests only ≥ 5 days before the evaluation, with the reason; checked within 1 working day. */
  async requestChange(actor: Caller, requestId: string, from: Date, to: Date, reason: string): Promise<{ ok: true; changeId: string; checkBy: string } | Refusal> {
    const rows = (await this.repo.byRequest(requestId)).filter((r) => r.status === 'requested' || r.status === 'confirmed');
    const first = rows[0];
    const base = { projectCode: first?.projectCode ?? 'unknown', from, to };
    if (!first) return this.refuse(actor, base, 'not_found', 'L14', `no active booking request ${requestId}`);
    if (reason.trim().length < 4) return this.refuse(actor, base, 'reason_required', 'L14', 'explain the change truthfully (如实客观说明相关情况和理由)');
    if (!(from < to)) return this.refuse(actor, base, 'bad_slot', 'L14', 'the slot must end after it starts');
    const now = this.clock.now();
    const window = checkChangeWindow(now, cstDate(first.from));
    if (!window.ok) return this.refuse(actor, base, window.code, window.rule, window.reason);
    const changeId = randomUUID();
    const checkBy = changeCheckDeadline(this.calendar, now);
    await this.repo.insertChange({ id: changeId, requestId, requestedBy: actorOf(actor), requestedAt: now, newFrom: from, newTo: to, reason, checkBy, status: 'pending' });
    return { ok: true, changeId, checkBy };
  }

  /** The venue checks a change: approval moves every active row, refused on any conflict. */
  async decideChange(actor: Caller, changeId: string, approve: boolean, note: string): Promise<{ ok: true; status: 'approved' | 'refused'; late: boolean } | Refusal> {
    const c = await this.repo.change(changeId);
    if (!c || c.status !== 'pending') return { ok: false, code: 'not_found', rule: 'L14', reason: `no pending change ${changeId}` };
    const now = this.clock.now();
    const late = cstDate(now) > c.checkBy;
    try {
      await this.repo.transaction(async (tx) => {
        if (approve) await this.repo.moveSlot(tx, c.requestId, c.newFrom, c.newTo);
        await this.repo.decideChange(tx, changeId, approve ? 'approved' : 'refused', actorOf(actor), now, note);
      });
    } catch (err) {
      if (isConflict(err)) {
        const rows = await this.repo.byRequest(c.requestId);
        return this.refuse(actor, { projectCode: rows[0]?.projectCode ?? 'unknown', from: c.newFrom, to: c.newTo }, 'workstation_already_booked', 'no double booking', 'a workstation of this request is already booked in the new slot');
      }
      throw err;
    }
    return { ok: true, status: approve ? 'approved' : 'refused', late };
  }

  async cancel(actor: Caller, requestId: string, reason: string): Promise<{ ok: true; cancelled: number } | Refusal> {
    if (reason.trim() === '') return { ok: false, code: 'reason_required', rule: 'L14', reason: 'give the reason' };
    const n = await this.repo.close(requestId, 'cancelled', `${actorOf(actor)}: ${reason}`, this.clock.now());
    return n > 0 ? { ok: true, cancelled: n } : { ok: false, code: 'not_found', rule: 'L14', reason: `no active booking request ${requestId}` };
  }

  /**
   * The bookings a caller may see at a venue: sealed sub-venue rows are hidden from the main
   * venue's staff (they see only that seats exist elsewhere: the venue id is removed).
   */
  async listForVenue(actor: Caller, venueId: string, from: Date, to: Date): Promise<Array<Omit<BookingRow, 'venueId' | 'workstationId'> & { venueId?: string; workstationId?: string }>> {
    const rows = await this.repo.byVenue(venueId, from, to);
    return rows.map((r) => {
      const own = actor.role === 'venue_staff' ? actor.venueIds.includes(r.venueId) : true;
      const seesSealed = actor.role === 'supervisor' || actor.role === 'central_ops';
      if (r.sealed && !own && !seesSealed) {
        const { venueId: _v, workstationId: _w, ...rest } = r;
        return rest;
      }
      return r;
    });
  }
}
