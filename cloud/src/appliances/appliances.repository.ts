import { Inject, Injectable } from '@nestjs/common';
import type { ReportedState } from '@evalroom/contracts';
import { Database } from '../db/database';

export interface ApplianceRow {
  id: string;
  roomId: string;
  venueId: string;
  regionCode: string;
  online: boolean;
  desiredVersion: number;
  appliedVersion: number | null;
  firmware: string | null;
  lastSeen: Date | null;
  roomName: string;
  venueName: string;
}

const SELECT = `SELECT a.id, a.room_id AS "roomId", r.venue_id AS "venueId", c.region_code AS "regionCode", a.online,
        a.desired_version::int AS "desiredVersion", a.applied_version::int AS "appliedVersion", a.firmware, a.last_seen AS "lastSeen",
        r.name AS "roomName", v.name AS "venueName"
   FROM appliances a JOIN rooms r ON r.id = a.room_id JOIN venues v ON v.id = r.venue_id
   JOIN trading_centers c ON c.id = v.trading_center_id`;

@Injectable()
export class AppliancesRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  async insert(id: string, roomId: string, secretHash: string): Promise<void> {
    await this.db.query(`INSERT INTO appliances (id, room_id, secret_hash) VALUES ($1,$2,$3)`, [id, roomId, secretHash]);
  }

  async find(id: string): Promise<ApplianceRow | undefined> {
    return (await this.db.query<ApplianceRow>(`${SELECT} WHERE a.id = $1`, [id])).rows[0];
  }

  /** Every appliance, or those of these venues / under this region prefix when a scope is given. */
  async list(scope?: { venueIds: string[]; jurisdiction: string | null }): Promise<ApplianceRow[]> {
    if (!scope) return (await this.db.query<ApplianceRow>(`${SELECT} ORDER BY v.name, r.name, a.id`)).rows;
    const r = await this.db.query<ApplianceRow>(
      `${SELECT} WHERE r.venue_id = ANY($1::text[]) OR ($2::text IS NOT NULL AND c.region_code LIKE $2 || '%') ORDER BY v.name, r.name, a.id`,
      [scope.venueIds, scope.jurisdiction],
    );
    return r.rows;
  }

  async saveReported(id: string, r: ReportedState): Promise<{ desiredVersion: number } | undefined> {
    const res = await this.db.query<{ desiredVersion: number }>(
      `UPDATE appliances SET online = $2, applied_version = COALESCE($3, applied_version), firmware = COALESCE($4, firmware),
              reported = $5, last_seen = now()
        WHERE id = $1 RETURNING desired_version::int AS "desiredVersion"`,
      [id, r.online, r.appliedVersion ?? null, r.firmware ?? null, JSON.stringify(r)],
    );
    return res.rows[0];
  }
}
