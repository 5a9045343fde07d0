import { Inject, Injectable } from '@nestjs/common';
import { Database, type Queryable } from '../db/database';

export interface WorkstationInfo {
  id: string;
  venueId: string;
  shared: boolean;
}

export interface BookingRow {
  id: string;
  requestId: string;
  projectCode: string;
  sessionId: string | null;
  mainVenueId: string;
  venueId: string;
  workstationId: string;
  from: Date;
  to: Date;
  status: 'requested' | 'confirmed' | 'cancelled' | 'rejected';
  sealed: boolean;
  filedBy: string;
  filedAt: Date;
  confirmBy: string;
  confirmedAt: Date | null;
}

export interface NewBooking {
  id: string;
  requestId: string;
  projectCode: string;
  sessionId: string | null;
  mainVenueId: string;
  venueId: string;
  workstationId: string;
  from: Date;
  to: Date;
  sealed: boolean;
  filedBy: string;
  filedAt: Date;
  tenderNoticeAt: Date | null;
  confirmBy: string;
}

export interface RefusalRow {
  actor: string;
  projectCode: string;
  workstationId: string | null;
  from: Date | null;
  to: Date | null;
  code: string;
  rule: string;
  reason: string;
}

export interface ChangeRow {
  id: string;
  requestId: string;
  requestedBy: string;
  requestedAt: Date;
  newFrom: Date;
  newTo: Date;
  reason: string;
  checkBy: string;
  status: 'pending' | 'approved' | 'refused';
}

const SELECT_BOOKING = `SELECT id, request_id AS "requestId", project_code AS "projectCode", session_id AS "sessionId",
  main_venue_id AS "mainVenueId", venue_id AS "venueId", workstation_id AS "workstationId",
  lower(slot) AS "from", upper(slot) AS "to", status, sealed, filed_by AS "filedBy", filed_at AS "filedAt",
  to_char(confirm_by, 'YYYY-MM-DD') AS "confirmBy", confirmed_at AS "confirmedAt" FROM bookings`;

/** The only class of the bookings module that touches SQL. */
@Injectable()
export class BookingsRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  async workstations(ids: readonly string[]): Promise<WorkstationInfo[]> {
    const r = await this.db.query<WorkstationInfo>(
      `SELECT w.id, r.venue_id AS "venueId", (w.shared OR r.shared) AS shared
       FROM workstations w JOIN rooms r ON r.id = w.room_id WHERE w.id = ANY($1::text[])`,
      [ids],
    );
    return r.rows;
  }

  async insert(tx: Queryable, b: NewBooking): Promise<void> {
    await tx.query(
      `INSERT INTO bookings (id, request_id, project_code, session_id, main_venue_id, venue_id, workstation_id, slot,
         status, sealed, filed_by, filed_at, tender_notice_at, confirm_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, tstzrange($8, $9, '[)'), 'requested', $10, $11, $12, $13, $14::date)`,
      [b.id, b.requestId, b.projectCode, b.sessionId, b.mainVenueId, b.venueId, b.workstationId, b.from, b.to, b.sealed, b.filedBy, b.filedAt, b.tenderNoticeAt, b.confirmBy],
    );
  }

  async recordRefusal(r: RefusalRow): Promise<void> {
    await this.db.query(
      `INSERT INTO booking_refusals (actor, project_code, workstation_id, slot, code, rule, reason)
       VALUES ($1, $2, $3, CASE WHEN $4::timestamptz IS NULL THEN NULL ELSE tstzrange($4::timestamptz, $5::timestamptz, '[)') END, $6, $7, $8)`,
      [r.actor, r.projectCode, r.workstationId, r.from, r.to, r.code, r.rule, r.reason],
    );
  }

  async byRequest(requestId: string, q: Queryable = this.db): Promise<BookingRow[]> {
    return (await q.query<BookingRow>(`${SELECT_BOOKING} WHERE request_id = $1 ORDER BY id`, [requestId])).rows;
  }

  async byVenue(venueId: string, from: Date, to: Date): Promise<BookingRow[]> {
    return (await this.db.query<BookingRow>(
      `${SELECT_BOOKING} WHERE (venue_id = $1 OR main_venue_id = $1) AND slot && tstzrange($2, $3, '[)') ORDER BY lower(slot), id`,
      [venueId, from, to],
    )).rows;
  }

  async confirm(requestId: string, venueIds: readonly string[], by: string, at: Date): Promise<number> {
    const r = await this.db.query<{ id: string }>(
      `UPDATE bookings SET status = 'confirmed', confirmed_at = $3, confirmed_by = $4
       WHERE request_id = $1 AND venue_id = ANY($2::text[]) AND status = 'requested' RETURNING id`,
      [requestId, venueIds, at, by],
    );
    return r.rows.length;
  }

  async close(requestId: string, status: 'cancelled' | 'rejected', reason: string, at: Date, venueIds?: readonly string[]): Promise<number> {
    const r = await this.db.query<{ id: string }>(
      `UPDATE bookings SET status = $2, closed_at = $3, close_reason = $4
       WHERE request_id = $1 AND status IN ('requested', 'confirmed') AND ($5::text[] IS NULL OR venue_id = ANY($5::text[])) RETURNING id`,
      [requestId, status, at, reason, venueIds ?? null],
    );
    return r.rows.length;
  }

  async moveSlot(tx: Queryable, requestId: string, from: Date, to: Date): Promise<number> {
    const r = await tx.query<{ id: string }>(
      `UPDATE bookings SET slot = tstzrange($2, $3, '[)') WHERE request_id = $1 AND status IN ('requested', 'confirmed') RETURNING id`,
      [requestId, from, to],
    );
    return r.rows.length;
  }

  async insertChange(c: ChangeRow): Promise<void> {
    await this.db.query(
      `INSERT INTO booking_changes (id, request_id, requested_by, requested_at, new_slot, reason, check_by, status)
       VALUES ($1, $2, $3, $4, tstzrange($5, $6, '[)'), $7, $8::date, $9)`,
      [c.id, c.requestId, c.requestedBy, c.requestedAt, c.newFrom, c.newTo, c.reason, c.checkBy, c.status],
    );
  }

  async change(id: string): Promise<ChangeRow | undefined> {
    const r = await this.db.query<ChangeRow>(
      `SELECT id, request_id AS "requestId", requested_by AS "requestedBy", requested_at AS "requestedAt",
         lower(new_slot) AS "newFrom", upper(new_slot) AS "newTo", reason, to_char(check_by, 'YYYY-MM-DD') AS "checkBy", status
       FROM booking_changes WHERE id = $1`,
      [id],
    );
    return r.rows[0];
  }

  async decideChange(tx: Queryable, id: string, status: 'approved' | 'refused', by: string, at: Date, note: string): Promise<void> {
    await tx.query(`UPDATE booking_changes SET status = $2, decided_by = $3, decided_at = $4, decision_note = $5 WHERE id = $1`, [id, status, by, at, note]);
  }

  /** Pairs of active bookings of one workstation whose slots overlap (must always be empty). */
  async overlaps(): Promise<number> {
    const r = await this.db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM bookings a JOIN bookings b
         ON a.workstation_id = b.workstation_id AND a.id < b.id AND a.slot && b.slot
       WHERE a.status IN ('requested', 'confirmed') AND b.status IN ('requested', 'confirmed')`,
    );
    return Number(r.rows[0]?.n ?? 0);
  }

  async refusals(projectCode?: string): Promise<RefusalRow[]> {
    const r = await this.db.query<RefusalRow>(
      `SELECT actor, project_code AS "projectCode", workstation_id AS "workstationId", lower(slot) AS "from", upper(slot) AS "to", code, rule, reason
       FROM booking_refusals WHERE ($1::text IS NULL OR project_code = $1) ORDER BY id`,
      [projectCode ?? null],
    );
    return r.rows;
  }
}
