import { Inject, Injectable } from '@nestjs/common';
import type { CreateRoomBody, CreateTradingCenterBody, CreateVenueBody } from '@evalroom/contracts';
import { Database } from '../db/database';

export interface VenueRow {
  id: string;
  name: string;
  tradingCenterId: string;
  regionCode: string;
}

export interface RoomRow {
  id: string;
  venueId: string;
  name: string;
  shared: boolean;
  regionCode: string;
}

@Injectable()
export class DirectoryRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  async insertTradingCenter(c: CreateTradingCenterBody): Promise<void> {
    await this.db.query(`INSERT INTO trading_centers (id, name, level, region_code, parent_id) VALUES ($1,$2,$3,$4,$5)`, [
      c.id,
      c.name,
      c.level,
      c.regionCode,
      c.parentId ?? null,
    ]);
  }

  async insertVenue(v: CreateVenueBody): Promise<void> {
    await this.db.query(`INSERT INTO venues (id, trading_center_id, name) VALUES ($1,$2,$3)`, [v.id, v.tradingCenterId, v.name]);
  }

  async insertRoom(r: CreateRoomBody): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO rooms (id, venue_id, name, shared) VALUES ($1,$2,$3,$4)`, [r.id, r.venueId, r.name, r.shared]);
      for (const w of r.workstations) {
        await tx.query(`INSERT INTO workstations (id, room_id, code, shared) VALUES ($1,$2,$3,$4)`, [`${r.id}:${w.code}`, r.id, w.code, w.shared]);
      }
    });
  }

  async listVenues(): Promise<VenueRow[]> {
    const r = await this.db.query<VenueRow>(
      `SELECT v.id, v.name, v.trading_center_id AS "tradingCenterId", c.region_code AS "regionCode"
         FROM venues v JOIN trading_centers c ON c.id = v.trading_center_id ORDER BY v.id`,
    );
    return r.rows;
  }

  async findVenue(id: string): Promise<VenueRow | undefined> {
    const r = await this.db.query<VenueRow>(
      `SELECT v.id, v.name, v.trading_center_id AS "tradingCenterId", c.region_code AS "regionCode"
         FROM venues v JOIN trading_centers c ON c.id = v.trading_center_id WHERE v.id = $1`,
      [id],
    );
    return r.rows[0];
  }

  async findRooms(ids: string[]): Promise<RoomRow[]> {
    const r = await this.db.query<RoomRow>(
      `SELECT r.id, r.venue_id AS "venueId", r.name, r.shared, c.region_code AS "regionCode"
         FROM rooms r JOIN venues v ON v.id = r.venue_id JOIN trading_centers c ON c.id = v.trading_center_id
        WHERE r.id = ANY($1::text[])`,
      [ids],
    );
    return r.rows;
  }

  async listRooms(venueId?: string): Promise<(RoomRow & { workstations: string[] })[]> {
    const r = await this.db.query<RoomRow & { workstations: string[] }>(
      `SELECT r.id, r.venue_id AS "venueId", r.name, r.shared, c.region_code AS "regionCode",
              COALESCE(array_agg(w.code ORDER BY w.code) FILTER (WHERE w.code IS NOT NULL), '{}') AS workstations
         FROM rooms r JOIN venues v ON v.id = r.venue_id JOIN trading_centers c ON c.id = v.trading_center_id
         LEFT JOIN workstations w ON w.room_id = r.id
        WHERE ($1::text IS NULL OR r.venue_id = $1)
        GROUP BY r.id, c.region_code ORDER BY r.id`,
      [venueId ?? null],
    );
    return r.rows;
  }
}
