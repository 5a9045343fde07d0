import { Inject, Injectable } from '@nestjs/common';
import { Database, type Queryable } from '../db/database';

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  subject: string;
  detail: Record<string, unknown>;
}

@Injectable()
export class AuditRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  async insert(e: { actor: string; action: string; subject: string; detail: Record<string, unknown> }, q: Queryable = this.db): Promise<void> {
    await q.query(`INSERT INTO audit_log (actor, action, subject, detail) VALUES ($1,$2,$3,$4)`, [e.actor, e.action, e.subject, JSON.stringify(e.detail)]);
  }

  async list(filter: { subject?: string; action?: string; limit: number }): Promise<AuditEntry[]> {
    const r = await this.db.query<AuditEntry & { at: Date; id: string }>(
      `SELECT id::text AS id, at, actor, action, subject, detail FROM audit_log
        WHERE ($1::text IS NULL OR subject = $1) AND ($2::text IS NULL OR action = $2)
        ORDER BY id DESC LIMIT $3`,
      [filter.subject ?? null, filter.action ?? null, filter.limit],
    );
    return r.rows.map((row) => ({ ...row, at: new Date(row.at).toISOString() }));
  }
}
