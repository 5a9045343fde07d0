import { Inject, Injectable } from '@nestjs/common';
import type { Lot, RosterEntry } from '@evalroom/contracts';
import { Database, type Queryable } from '../db/database';

export interface SessionRow {
  id: string;
  projectCode: string;
  projectName: string;
  lots: Lot[];
  mainVenueId: string;
  supervisingDepartment: string | null;
  status: string;
  startsAt: Date;
  endsAt: Date;
  checkInOpensAt: Date;
  checkInClosesAt: Date;
  idHashKey: string;
}

export interface RosterRow {
  sessionId: string;
  expertRef: string;
  roomId: string;
  venueId: string;
  regionCode: string;
  role: RosterEntry['role'];
  workstation: string | null;
  idHash: string;
  nameEnc: string;
  idNumberEnc: string;
}

export interface SigninRow {
  checkinId: string;
  sessionId: string;
  expertRef: string;
  roomId: string;
  applianceId: string;
  workstation: string | null;
  arrivedAt: Date;
  method: string;
}

export interface RejectionRow {
  checkinId: string;
  expertRef: string | null;
  applianceId: string;
  roomId: string;
  venueId: string;
  regionCode: string;
  outcome: string;
  reason: string;
  at: Date;
}

export interface IncidentRow {
  eventId: string;
  applianceId: string;
  roomId: string;
  venueId: string;
  regionCode: string;
  description: string;
  handling: string;
  staffId: string;
  at: Date;
}

const SESSION_COLS = `s.id, s.project_code AS "projectCode", s.project_name AS "projectName", s.lots, s.main_venue_id AS "mainVenueId",
  s.supervising_department AS "supervisingDepartment", s.status, s.starts_at AS "startsAt", s.ends_at AS "endsAt",
  s.check_in_opens_at AS "checkInOpensAt", s.check_in_closes_at AS "checkInClosesAt", s.id_hash_key AS "idHashKey"`;

@Injectable()
export class SessionsRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  /** Inserts the session and its roster atomically. */
  async insert(s: Omit<SessionRow, 'status'>, roster: Omit<RosterRow, 'sessionId' | 'venueId' | 'regionCode'>[]): Promise<void> {
    await this.db.transaction(async (tx: Queryable) => {
      await tx.query(
        `INSERT INTO sessions (id, project_code, project_name, lots, main_venue_id, supervising_department, starts_at, ends_at,
                               check_in_opens_at, check_in_closes_at, id_hash_key)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
        [s.id, s.projectCode, s.projectName, JSON.stringify(s.lots), s.mainVenueId, s.supervisingDepartment, s.startsAt, s.endsAt, s.checkInOpensAt, s.checkInClosesAt, s.idHashKey],
      );
      await tx.query(
        `INSERT INTO session_roster (session_id, expert_ref, room_id, role, workstation, id_hash, name_enc, id_number_enc)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`,
        [
          s.id,
          roster.map((r) => r.expertRef),
          roster.map((r) => r.roomId),
          roster.map((r) => r.role),
          roster.map((r) => r.workstation),
          roster.map((r) => r.idHash),
          roster.map((r) => r.nameEnc),
          roster.map((r) => r.idNumberEnc),
        ],
      );
    });
  }

  async find(id: string): Promise<SessionRow | undefined> {
    return (await this.db.query<SessionRow>(`SELECT ${SESSION_COLS} FROM sessions s WHERE s.id = $1`, [id])).rows[0];
  }

  /** Whether the session has experts in the room this appliance serves. */
  async heldByAppliance(sessionId: string, applianceId: string): Promise<boolean> {
    const r = await this.db.query(
      `SELECT 1 FROM session_roster e JOIN appliances a ON a.room_id = e.room_id WHERE e.session_id = $1 AND a.id = $2 LIMIT 1`,
      [sessionId, applianceId],
    );
    return r.rows.length > 0;
  }

  async roster(sessionId: string): Promise<RosterRow[]> {
    const r = await this.db.query<RosterRow>(
      `SELECT e.session_id AS "sessionId", e.expert_ref AS "expertRef", e.room_id AS "roomId", r.venue_id AS "venueId",
              c.region_code AS "regionCode", e.role, e.workstation, e.id_hash AS "idHash", e.name_enc AS "nameEnc",
              e.id_number_enc AS "idNumberEnc"
         FROM session_roster e JOIN rooms r ON r.id = e.room_id JOIN venues v ON v.id = r.venue_id
         JOIN trading_centers c ON c.id = v.trading_center_id
        WHERE e.session_id = $1 ORDER BY e.room_id, e.workstation NULLS LAST, e.expert_ref`,
      [sessionId],
    );
    return r.rows;
  }

  async signins(sessionId: string): Promise<SigninRow[]> {
    const r = await this.db.query<SigninRow>(
      `SELECT checkin_id AS "checkinId", session_id AS "sessionId", expert_ref AS "expertRef", room_id AS "roomId",
              appliance_id AS "applianceId", workstation, arrived_at AS "arrivedAt", method
         FROM signins WHERE session_id = $1 ORDER BY arrived_at, checkin_id`,
      [sessionId],
    );
    return r.rows;
  }

  /** Recent sessions, newest start first; only the department's when given (supervisors). */
  async list(f: { department?: string; limit: number }): Promise<(SessionRow & { rosterSize: number })[]> {
    const r = await this.db.query<SessionRow & { rosterSize: number }>(
      `SELECT ${SESSION_COLS}, (SELECT count(*)::int FROM session_roster e WHERE e.session_id = s.id) AS "rosterSize"
         FROM sessions s WHERE ($1::text IS NULL OR s.supervising_department = $1)
        ORDER BY s.starts_at DESC, s.id LIMIT $2`,
      [f.department ?? null, f.limit],
    );
    return r.rows;
  }

  /** Check-in rejections and incidents of a session, with each room's venue and region for scoping. */
  async records(sessionId: string): Promise<{ rejections: RejectionRow[]; incidents: IncidentRow[] }> {
    const scope = `JOIN rooms r ON r.id = x.room_id JOIN venues v ON v.id = r.venue_id JOIN trading_centers c ON c.id = v.trading_center_id`;
    const rejections = await this.db.query<RejectionRow>(
      `SELECT x.checkin_id AS "checkinId", x.expert_ref AS "expertRef", x.appliance_id AS "applianceId", x.room_id AS "roomId",
              r.venue_id AS "venueId", c.region_code AS "regionCode", x.outcome, x.reason, x.at
         FROM checkin_rejections x ${scope} WHERE x.session_id = $1 ORDER BY x.at, x.checkin_id`,
      [sessionId],
    );
    const incidents = await this.db.query<IncidentRow>(
      `SELECT x.event_id::text AS "eventId", x.appliance_id AS "applianceId", x.room_id AS "roomId", r.venue_id AS "venueId",
              c.region_code AS "regionCode", x.description, x.handling, x.staff_id AS "staffId", x.at
         FROM incidents x ${scope} WHERE x.session_id = $1 ORDER BY x.at, x.event_id`,
      [sessionId],
    );
    return { rejections: rejections.rows, incidents: incidents.rows };
  }

  async appliancesInRooms(roomIds: string[]): Promise<string[]> {
    const r = await this.db.query<{ id: string }>(`SELECT id FROM appliances WHERE room_id = ANY($1::text[]) ORDER BY id`, [roomIds]);
    return r.rows.map((x) => x.id);
  }

  async allApplianceIds(): Promise<string[]> {
    return (await this.db.query<{ id: string }>(`SELECT id FROM appliances ORDER BY id`)).rows.map((x) => x.id);
  }

  /** The appliance's room and its current (not yet ended, not closed) sessions with the roster of that room. */
  async desiredFor(applianceId: string): Promise<{ roomId: string; sessions: (SessionRow & { roster: RosterEntry[] })[] } | undefined> {
    const a = await this.db.query<{ roomId: string }>(`SELECT room_id AS "roomId" FROM appliances WHERE id = $1`, [applianceId]);
    const room = a.rows[0];
    if (!room) return undefined;
    const sessions = await this.db.query<SessionRow & { roster: RosterEntry[] }>(
      `SELECT ${SESSION_COLS},
              json_agg(json_build_object('expertRef', e.expert_ref, 'idHash', e.id_hash, 'role', e.role, 'workstation', e.workstation)
                       ORDER BY e.expert_ref) AS roster
         FROM sessions s JOIN session_roster e ON e.session_id = s.id AND e.room_id = $1
        WHERE s.ends_at > now() - interval '12 hours' AND s.status NOT IN ('closed', 'archived', 'dissolved')
        GROUP BY s.id ORDER BY s.starts_at, s.id LIMIT 50`,
      [room.roomId],
    );
    return { roomId: room.roomId, sessions: sessions.rows };
  }

  /**
   * The version for content with this hash: bumped only when the hash differs from the last
   * published one (atomically, so concurrent publishers agree), otherwise the same version.
   */
  async versionForContent(applianceId: string, contentHash: string): Promise<number> {
    const r = await this.db.query<{ v: number }>(
      `UPDATE appliances
          SET desired_version = CASE WHEN desired_hash IS DISTINCT FROM $2 THEN desired_version + 1 ELSE desired_version END,
              desired_hash = $2
        WHERE id = $1 RETURNING desired_version::int AS v`,
      [applianceId, contentHash],
    );
    return r.rows[0]!.v;
  }
}
