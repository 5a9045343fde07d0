import { Inject, Injectable } from '@nestjs/common';
import type { ApplianceEvent } from '@evalroom/contracts';
import { Database, type Queryable } from '../db/database';

export interface StoredEvent {
  eventId: string;
  applianceId: string;
  seq: number;
  type: string;
  ts: Date;
  receivedAt: Date;
  data: unknown;
}

@Injectable()
export class EventsRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  async applianceRoom(applianceId: string): Promise<string | undefined> {
    return (await this.db.query<{ roomId: string }>(`SELECT room_id AS "roomId" FROM appliances WHERE id = $1`, [applianceId])).rows[0]?.roomId;
  }

  /**
   * Stores the event and its record row in one transaction; a redelivered eventId changes nothing.
   * Returns whether it was new and, for check-ins, whether the person is on that room's roster.
   */
  async ingest(e: ApplianceEvent, roomId: string): Promise<{ inserted: boolean; note?: string }> {
    return this.db.transaction(async (tx) => {
      const ins = await tx.query(
        `INSERT INTO appliance_events (event_id, appliance_id, seq, type, ts, data) VALUES ($1,$2,$3,$4,$5,$6)
         ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
        [e.eventId, e.applianceId, e.seq, e.type, e.ts, JSON.stringify(e.data)],
      );
      if (ins.rows.length === 0) return { inserted: false };
      return { inserted: true, note: await this.record(tx, e, roomId) };
    });
  }

  private async record(tx: Queryable, e: ApplianceEvent, roomId: string): Promise<string | undefined> {
    switch (e.type) {
      case 'checkin.admitted': {
        const d = e.data;
        const onRoster = await tx.query(`SELECT 1 FROM session_roster WHERE session_id = $1 AND expert_ref = $2 AND room_id = $3`, [d.sessionId, d.expertRef, roomId]);
        if (onRoster.rows.length === 0) return `sign-in ${d.checkinId} not on the roster of room ${roomId}; event kept, no sign-in row`;
        await tx.query(
          `INSERT INTO signins (checkin_id, event_id, session_id, expert_ref, appliance_id, room_id, workstation, arrived_at, method, override)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (checkin_id) DO NOTHING`,
          [d.checkinId, e.eventId, d.sessionId, d.expertRef, e.applianceId, roomId, d.workstation ?? null, d.arrivedAt, d.method, d.override ? JSON.stringify(d.override) : null],
        );
        return undefined;
      }
      case 'checkin.rejected': {
        const d = e.data;
        await tx.query(
          `INSERT INTO checkin_rejections (checkin_id, event_id, session_id, expert_ref, appliance_id, room_id, outcome, reason, at)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (checkin_id) DO NOTHING`,
          [d.checkinId, e.eventId, d.sessionId ?? null, d.expertRef ?? null, e.applianceId, roomId, d.outcome, d.reason, e.ts],
        );
        return undefined;
      }
      case 'gate.entry': {
        const d = e.data;
        await tx.query(
          `INSERT INTO gate_entries (event_id, appliance_id, room_id, gate_id, checkin_id, at, reason) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
          [e.eventId, e.applianceId, roomId, d.gateId, d.checkinId ?? null, d.at, d.reason],
        );
        return undefined;
      }
      case 'incident.recorded': {
        const d = e.data;
        await tx.query(
          `INSERT INTO incidents (event_id, appliance_id, room_id, session_id, description, handling, staff_id, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
          [e.eventId, e.applianceId, roomId, d.sessionId ?? null, d.description, d.handling, d.staffId, e.ts],
        );
        return undefined;
      }
      default:
        return undefined; // alarms: the event row is the record
    }
  }

  async list(f: { applianceIds?: string[]; applianceId?: string; type?: string; limit: number }): Promise<StoredEvent[]> {
    const r = await this.db.query<StoredEvent>(
      `SELECT event_id AS "eventId", appliance_id AS "applianceId", seq::int AS seq, type, ts, received_at AS "receivedAt", data
         FROM appliance_events
        WHERE ($1::text IS NULL OR appliance_id = $1) AND ($2::text IS NULL OR type = $2)
          AND ($3::text[] IS NULL OR appliance_id = ANY($3::text[]))
        ORDER BY ts DESC, seq DESC LIMIT $4`,
      [f.applianceId ?? null, f.type ?? null, f.applianceIds ?? null, f.limit],
    );
    return r.rows;
  }

  async applianceIdsInScope(venueIds: string[], jurisdiction: string | null): Promise<string[]> {
    const r = await this.db.query<{ id: string }>(
      `SELECT a.id FROM appliances a JOIN rooms r ON r.id = a.room_id JOIN venues v ON v.id = r.venue_id
         JOIN trading_centers c ON c.id = v.trading_center_id
        WHERE r.venue_id = ANY($1::text[]) OR ($2::text IS NOT NULL AND c.region_code LIKE $2 || '%')`,
      [venueIds, jurisdiction],
    );
    return r.rows.map((x) => x.id);
  }
}
