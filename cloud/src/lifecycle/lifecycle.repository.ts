import { Inject, Injectable } from '@nestjs/common';
import { Database, type Queryable } from '../db/database';
import type { SessionStatus, TransitionEffect } from './transitions';

export interface LifecycleSession {
  id: string;
  /** The fine lifecycle status (last transition), falling back to sessions.status. */
  status: string;
  mainVenueId: string;
  supervisingDepartment: string | null;
  committeeSize: number;
  checkedIn: number;
}

export interface TransitionRow {
  id: string;
  sessionId: string;
  action: string;
  fromStatus: string;
  toStatus: string;
  actor: string;
  actorRole: string;
  reason: string;
  clause: string;
  emergency: boolean;
  effects: TransitionEffect[];
  at: Date;
}

@Injectable()
export class LifecycleRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  async session(id: string, q: Queryable = this.db): Promise<LifecycleSession | undefined> {
    const r = await q.query<LifecycleSession>(
      `SELECT s.id,
         COALESCE((SELECT t.to_status FROM session_transitions t WHERE t.session_id = s.id ORDER BY t.id DESC LIMIT 1), s.status) AS status,
         s.main_venue_id AS "mainVenueId", s.supervising_department AS "supervisingDepartment",
         (SELECT count(*)::int FROM session_roster r WHERE r.session_id = s.id AND r.role = 'expert') AS "committeeSize",
         (SELECT count(DISTINCT g.expert_ref)::int FROM signins g JOIN session_roster r ON r.session_id = g.session_id AND r.expert_ref = g.expert_ref
            WHERE g.session_id = s.id AND r.role = 'expert') AS "checkedIn"
       FROM sessions s WHERE s.id = $1 FOR UPDATE OF s`,
      [id],
    );
    return r.rows[0];
  }

  /** Records the transition and stores the contract status on the core's sessions row. */
  async record(tx: Queryable, t: Omit<TransitionRow, 'id' | 'at'>, contractStatus: string): Promise<TransitionRow> {
    const r = await tx.query<TransitionRow>(
      `INSERT INTO session_transitions (session_id, action, from_status, to_status, actor, actor_role, reason, clause, emergency, effects)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)
       RETURNING id::text, session_id AS "sessionId", action, from_status AS "fromStatus", to_status AS "toStatus", actor, actor_role AS "actorRole",
         reason, clause, emergency, effects, at`,
      [t.sessionId, t.action, t.fromStatus, t.toStatus, t.actor, t.actorRole, t.reason, t.clause, t.emergency, JSON.stringify(t.effects)],
    );
    await tx.query(`UPDATE sessions SET status = $2 WHERE id = $1`, [t.sessionId, contractStatus]);
    return r.rows[0]!;
  }

  async list(sessionId: string): Promise<TransitionRow[]> {
    return (await this.db.query<TransitionRow>(
      `SELECT id::text, session_id AS "sessionId", action, from_status AS "fromStatus", to_status AS "toStatus", actor, actor_role AS "actorRole",
         reason, clause, emergency, effects, at FROM session_transitions WHERE session_id = $1 ORDER BY id`,
      [sessionId],
    )).rows;
  }

  async roomsOf(sessionId: string): Promise<string[]> {
    const r = await this.db.query<{ roomId: string }>(`SELECT DISTINCT room_id AS "roomId" FROM session_roster WHERE session_id = $1 ORDER BY 1`, [sessionId]);
    return r.rows.map((x) => x.roomId);
  }
}

/** The appliance contract knows fewer statuses; fault and conversion states map onto it. */
export function contractStatusOf(s: SessionStatus): string {
  switch (s) {
    case 'fault_before_start':
    case 'fault_during':
      return 'suspended';
    case 'converted_local':
      return 'dissolved';
    default:
      return s;
  }
}
