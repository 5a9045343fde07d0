import { Inject, Injectable } from '@nestjs/common';
import { Database } from '../db/database';
import type { DrawAssignment, DrawParams, EligibleVenue } from './draw';

export interface SessionInfo {
  id: string;
  status: string;
  mainVenueId: string;
  mainCenterId: string;
  mainRegionCode: string;
  supervisingDepartment: string | null;
  startsAt: Date;
  endsAt: Date;
  projectCode: string;
}

export interface DrawRow {
  id: string;
  sessionId: string;
  mainVenueId: string;
  kind: string;
  commitment: string;
  inputDigest: string;
  sealedSeed: string;
  eligible: EligibleVenue[];
  params: DrawParams;
  assignments: DrawAssignment[];
  createdAt: Date;
  revealedAt: Date | null;
}

const SELECT = `SELECT id, session_id AS "sessionId", main_venue_id AS "mainVenueId", kind, commitment, input_digest AS "inputDigest",
  seed_hex AS "sealedSeed", eligible, params, assignments, created_at AS "createdAt", revealed_at AS "revealedAt" FROM draws`;

@Injectable()
export class DrawRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  async session(id: string): Promise<SessionInfo | undefined> {
    const r = await this.db.query<SessionInfo>(
      `SELECT s.id,
         COALESCE((SELECT t.to_status FROM session_transitions t WHERE t.session_id = s.id ORDER BY t.id DESC LIMIT 1), s.status) AS status,
         s.main_venue_id AS "mainVenueId", v.trading_center_id AS "mainCenterId",
         (SELECT tc.region_code FROM trading_centers tc WHERE tc.id = v.trading_center_id) AS "mainRegionCode", s.supervising_department AS "supervisingDepartment",
         s.starts_at AS "startsAt", s.ends_at AS "endsAt", s.project_code AS "projectCode"
       FROM sessions s JOIN venues v ON v.id = s.main_venue_id WHERE s.id = $1`,
      [id],
    );
    return r.rows[0];
  }

  /** Venues outside the main center with shared workstations free for the whole window. */
  async eligible(mainCenterId: string, from: Date, to: Date): Promise<Array<EligibleVenue & { free: string[] }>> {
    const r = await this.db.query<{ venueId: string; centerId: string; regionCode: string; free: string[] }>(
      `SELECT v.id AS "venueId", v.trading_center_id AS "centerId", tc.region_code AS "regionCode",
         array_agg(w.id ORDER BY w.id) AS free
       FROM workstations w JOIN rooms r ON r.id = w.room_id JOIN venues v ON v.id = r.venue_id
       JOIN trading_centers tc ON tc.id = v.trading_center_id
       WHERE (w.shared OR r.shared) AND v.trading_center_id <> $1
         AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.workstation_id = w.id AND b.status IN ('requested', 'confirmed')
                         AND b.slot && tstzrange($2, $3, '[)'))
       GROUP BY v.id, v.trading_center_id, tc.region_code`,
      [mainCenterId, from, to],
    );
    return r.rows.map((v) => ({
      venueId: v.venueId,
      centerId: v.centerId,
      province: v.regionCode.slice(0, 2),
      city: v.regionCode.slice(0, 4),
      availableSeats: v.free.length,
      free: v.free,
    }));
  }

  /** Stores the commitment (and the inputs' digest) before the draw is computed. */
  async insertCommitment(d: { id: string; sessionId: string; mainVenueId: string; kind: string; commitment: string; inputDigest: string; sealedSeed: string; eligible: EligibleVenue[]; params: DrawParams; createdBy: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO draws (id, session_id, main_venue_id, kind, commitment, input_digest, seed_hex, eligible, params, assignments, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, '[]'::jsonb, $10)`,
      [d.id, d.sessionId, d.mainVenueId, d.kind, d.commitment, d.inputDigest, d.sealedSeed, JSON.stringify(d.eligible), JSON.stringify(d.params), d.createdBy],
    );
  }

  async setAssignments(id: string, assignments: DrawAssignment[]): Promise<void> {
    await this.db.query(`UPDATE draws SET assignments = $2::jsonb WHERE id = $1`, [id, JSON.stringify(assignments)]);
  }

  async bySession(sessionId: string): Promise<DrawRow[]> {
    return (await this.db.query<DrawRow>(`${SELECT} WHERE session_id = $1 ORDER BY created_at, id`, [sessionId])).rows;
  }

  async revealSession(sessionId: string, at: Date): Promise<number> {
    const r = await this.db.query<{ id: string }>(`UPDATE draws SET revealed_at = $2 WHERE session_id = $1 AND revealed_at IS NULL RETURNING id`, [sessionId, at]);
    return r.rows.length;
  }
}
