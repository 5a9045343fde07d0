import { Inject, Injectable } from '@nestjs/common';
import type { Queryable } from '../db/database';
import type { Caller } from '../auth/caller';
import { AuditRepository, type AuditEntry } from './audit.repository';

/**
 * Append-only audit trail: identity decryption, footage access, tokens, overrides.
 * `actor` is a Caller (its token id and role are recorded) or a system component name.
 * Pass `tx` to record inside the caller's transaction.
 */
@Injectable()
export class AuditService {
  constructor(@Inject(AuditRepository) private readonly repo: AuditRepository) {}

  async record(actor: Caller | string, action: string, subject: string, detail: Record<string, unknown> = {}, tx?: Queryable): Promise<void> {
    const who = typeof actor === 'string' ? actor : `${actor.role}:${actor.tokenId}`;
    await this.repo.insert({ actor: who, action, subject, detail }, tx);
  }

  async list(filter: { subject?: string; action?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    return this.repo.list({ ...filter, limit: filter.limit ?? 100 });
  }
}
