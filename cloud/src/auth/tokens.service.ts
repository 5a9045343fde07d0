import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { CreateTokenBody, TokenIssued } from '@evalroom/contracts';
import { CLOUD_CONFIG, type CloudConfig } from '../config/config';
import type { Caller } from './caller';
import { TokensRepository } from './tokens.repository';

export const BOOTSTRAP_ADMIN_ID = 'bootstrap-admin';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** API tokens: random secrets handed out once, stored as SHA-256. */
@Injectable()
export class TokensService {
  private readonly adminHash: Buffer;

  constructor(
    @Inject(TokensRepository) private readonly repo: TokensRepository,
    @Inject(CLOUD_CONFIG) config: CloudConfig,
  ) {
    this.adminHash = Buffer.from(sha256(config.adminToken), 'hex');
  }

  async issue(body: CreateTokenBody): Promise<TokenIssued> {
    const id = randomUUID();
    const token = `evr_${randomBytes(24).toString('base64url')}`;
    await this.repo.insert({ id, tokenHash: sha256(token), ...body });
    return { tokenId: id, token, role: body.role };
  }

  async revoke(id: string): Promise<boolean> {
    return this.repo.revoke(id);
  }

  async resolve(token: string): Promise<Caller | undefined> {
    const hash = sha256(token);
    if (timingSafeEqual(Buffer.from(hash, 'hex'), this.adminHash)) return { tokenId: BOOTSTRAP_ADMIN_ID, role: 'admin', venueIds: [] };
    const row = await this.repo.findActiveByHash(hash);
    if (!row) return undefined;
    return {
      tokenId: row.id,
      role: row.role,
      venueIds: row.venue_ids,
      jurisdiction: row.jurisdiction ?? undefined,
      department: row.department ?? undefined,
    };
  }
}
