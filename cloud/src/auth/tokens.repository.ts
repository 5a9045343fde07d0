import { Inject, Injectable } from '@nestjs/common';
import type { ApiRole } from '@evalroom/contracts';
import { Database } from '../db/database';

export interface TokenRow {
  id: string;
  role: ApiRole;
  venue_ids: string[];
  jurisdiction: string | null;
  department: string | null;
}

@Injectable()
export class TokensRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  async insert(t: { id: string; tokenHash: string; role: ApiRole; venueIds: string[]; jurisdiction?: string; department?: string; label: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO api_tokens (id, token_hash, role, venue_ids, jurisdiction, department, label) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
      [t.id, t.tokenHash, t.role, t.venueIds, t.jurisdiction ?? null, t.department ?? null, t.label],
    );
  }

  async findActiveByHash(tokenHash: string): Promise<TokenRow | undefined> {
    const r = await this.db.query<TokenRow>(
      `SELECT id, role, venue_ids, jurisdiction, department FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`,
      [tokenHash],
    );
    return r.rows[0];
  }

  async revoke(id: string): Promise<boolean> {
    const r = await this.db.query(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [id]);
    return r.rows.length > 0;
  }
}
