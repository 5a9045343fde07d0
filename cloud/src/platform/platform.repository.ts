import { Inject, Injectable } from '@nestjs/common';
import { Database } from '../db/database';
import type { DirectoryVenue } from '../rules/sharing';

export interface DeliveryRow {
  id: string;
  subscriptionId: string;
  url: string;
  sealedSecret: string;
  event: string;
  payload: unknown;
  attempts: number;
}

export interface DeliveryLog {
  id: string;
  subscriptionId: string;
  event: string;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

@Injectable()
export class PlatformRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  /** The workstation directory (LS5.5.1, NDRC 807): venues, rooms, workstations, shared flags. */
  async directory(regionPrefix: string): Promise<DirectoryVenue[]> {
    const r = await this.db.query<{ venueId: string; name: string; regionCode: string; roomId: string | null; workstationId: string | null; shared: boolean | null }>(
      `SELECT v.id AS "venueId", v.name, tc.region_code AS "regionCode", r.id AS "roomId", w.id AS "workstationId", (w.shared OR r.shared) AS shared
       FROM venues v JOIN trading_centers tc ON tc.id = v.trading_center_id
       LEFT JOIN rooms r ON r.venue_id = v.id LEFT JOIN workstations w ON w.room_id = r.id
       WHERE tc.region_code LIKE $1 || '%' ORDER BY v.id, r.id, w.id`,
      [regionPrefix],
    );
    const venues = new Map<string, { venueId: string; name: string; province: string; city: string; county: string | null; rooms: Map<string, { id: string; shared: boolean }[]> }>();
    for (const row of r.rows) {
      let v = venues.get(row.venueId);
      if (!v) {
        v = { venueId: row.venueId, name: row.name, province: row.regionCode.slice(0, 2), city: row.regionCode.slice(0, 4), county: row.regionCode.length > 4 ? row.regionCode : null, rooms: new Map() };
        venues.set(row.venueId, v);
      }
      if (row.roomId) {
        const ws = v.rooms.get(row.roomId) ?? [];
        if (row.workstationId) ws.push({ id: row.workstationId, shared: row.shared === true });
        v.rooms.set(row.roomId, ws);
      }
    }
    return [...venues.values()].map((v) => ({ ...v, rooms: [...v.rooms].map(([roomId, workstations]) => ({ roomId, workstations })) }));
  }

  async addSubscription(id: string, url: string, sealedSecret: string, events: string[]): Promise<void> {
    await this.db.query(`INSERT INTO webhook_subscriptions (id, url, secret, events) VALUES ($1, $2, $3, $4::text[])`, [id, url, sealedSecret, events]);
  }

  /** One pending delivery per active subscription to the event. */
  async enqueue(idFor: () => string, event: string, payload: unknown, now: Date): Promise<number> {
    const subs = (await this.db.query<{ id: string }>(`SELECT id FROM webhook_subscriptions WHERE active AND $1 = ANY(events)`, [event])).rows;
    for (const s of subs) {
      await this.db.query(
        `INSERT INTO webhook_deliveries (id, subscription_id, event, payload, status, next_attempt_at, created_at) VALUES ($1, $2, $3, $4::jsonb, 'pending', $5, $5)`,
        [idFor(), s.id, event, JSON.stringify(payload), now],
      );
    }
    return subs.length;
  }

  /** Claims due deliveries (SKIP LOCKED so several replicas never send one twice at once). */
  async due(now: Date, limit: number): Promise<DeliveryRow[]> {
    return (await this.db.query<DeliveryRow>(
      `UPDATE webhook_deliveries d SET next_attempt_at = $1::timestamptz + interval '5 minutes'
       FROM webhook_subscriptions s
       WHERE d.id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         AND s.id = d.subscription_id
       RETURNING d.id, d.subscription_id AS "subscriptionId", s.url, s.secret AS "sealedSecret", d.event, d.payload, d.attempts`,
      [now, limit],
    )).rows;
  }

  async markDelivered(id: string, status: number, at: Date): Promise<void> {
    await this.db.query(`UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_status = $2, last_error = NULL, delivered_at = $3 WHERE id = $1`, [id, status, at]);
  }

  async markFailedAttempt(id: string, status: number | null, error: string, next: Date | null): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $2, last_error = $3,
         status = CASE WHEN $4::timestamptz IS NULL THEN 'failed' ELSE 'pending' END, next_attempt_at = COALESCE($4::timestamptz, next_attempt_at)
       WHERE id = $1`,
      [id, status, error.slice(0, 500), next],
    );
  }

  async deliveries(limit = 200): Promise<DeliveryLog[]> {
    return (await this.db.query<DeliveryLog>(
      `SELECT id, subscription_id AS "subscriptionId", event, status, attempts, last_status AS "lastStatus", last_error AS "lastError",
         created_at AS "createdAt", delivered_at AS "deliveredAt" FROM webhook_deliveries ORDER BY created_at DESC, id LIMIT $1`,
      [limit],
    )).rows;
  }

  async cursor(name: string): Promise<Date> {
    const r = await this.db.query<{ at: Date }>(`SELECT at FROM platform_cursors WHERE name = $1`, [name]);
    return r.rows[0]?.at ?? new Date(0);
  }

  async setCursor(name: string, at: Date): Promise<void> {
    await this.db.query(`INSERT INTO platform_cursors (name, at) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET at = EXCLUDED.at`, [name, at]);
  }

  /** Sign-ins recorded after `since` (no identity: expert_ref is an opaque reference). */
  async signinsSince(since: Date, limit: number): Promise<Array<{ checkinId: string; sessionId: string; expertRef: string; roomId: string; venueId: string; arrivedAt: Date; method: string; recordedAt: Date }>> {
    return (await this.db.query(
      `SELECT g.checkin_id AS "checkinId", g.session_id AS "sessionId", g.expert_ref AS "expertRef", g.room_id AS "roomId", r.venue_id AS "venueId",
         g.arrived_at AS "arrivedAt", g.method, g.recorded_at AS "recordedAt"
       FROM signins g JOIN rooms r ON r.id = g.room_id WHERE g.recorded_at > $1 ORDER BY g.recorded_at LIMIT $2`,
      [since, limit],
    )).rows as never;
  }

  /** Sessions closed after `since` with their booked venues and workstations (5.5.4). */
  async closedSince(since: Date): Promise<Array<{ sessionId: string; projectCode: string; at: Date; workstations: { venueId: string; workstationId: string }[] }>> {
    return (await this.db.query(
      `SELECT t.session_id AS "sessionId", s.project_code AS "projectCode", t.at,
         COALESCE((SELECT json_agg(json_build_object('venueId', b.venue_id, 'workstationId', b.workstation_id) ORDER BY b.venue_id, b.workstation_id)
                   FROM bookings b WHERE b.session_id = t.session_id AND b.status IN ('requested', 'confirmed')), '[]') AS workstations
       FROM session_transitions t JOIN sessions s ON s.id = t.session_id
       WHERE t.action = 'close' AND t.at > $1 ORDER BY t.at`,
      [since],
    )).rows as never;
  }

  /** Decided booking changes after `since` (5.5.2). */
  async changesSince(since: Date): Promise<Array<{ changeId: string; requestId: string; status: string; decidedAt: Date; from: Date; to: Date; venueIds: string[] }>> {
    return (await this.db.query(
      `SELECT c.id AS "changeId", c.request_id AS "requestId", c.status, c.decided_at AS "decidedAt", lower(c.new_slot) AS "from", upper(c.new_slot) AS "to",
         ARRAY(SELECT DISTINCT b.venue_id FROM bookings b WHERE b.request_id = c.request_id AND NOT b.sealed ORDER BY 1) AS "venueIds"
       FROM booking_changes c WHERE c.decided_at > $1 ORDER BY c.decided_at`,
      [since],
    )).rows as never;
  }

  /** Active workstation bookings per venue overlapping a window (5.5.3). */
  async usage(from: Date, to: Date): Promise<Array<{ venueId: string; booked: number; shared: number }>> {
    return (await this.db.query(
      `SELECT v.id AS "venueId",
         (SELECT count(DISTINCT b.workstation_id)::int FROM bookings b WHERE b.venue_id = v.id AND b.status IN ('requested', 'confirmed') AND b.slot && tstzrange($1, $2, '[)')) AS booked,
         (SELECT count(*)::int FROM workstations w JOIN rooms r ON r.id = w.room_id WHERE r.venue_id = v.id AND (w.shared OR r.shared)) AS shared
       FROM venues v ORDER BY v.id`,
      [from, to],
    )).rows as never;
  }
}
