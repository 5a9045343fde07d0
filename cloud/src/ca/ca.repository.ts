import { Inject, Injectable } from '@nestjs/common';
import { Database, type Queryable } from '../db/database';

export interface ApplianceScope {
  id: string;
  roomId: string;
  venueId: string;
  regionCode: string;
}

export interface CertificateRow {
  serial: string;
  applianceId: string;
  fingerprintSha256: string;
  notBefore: Date;
  notAfter: Date;
  issuedAt: Date;
  issuedBy: string;
  revokedAt: Date | null;
  revokedBy: string | null;
  revokeReason: string | null;
}

const COLUMNS = `serial, appliance_id AS "applianceId", fingerprint_sha256 AS "fingerprintSha256", not_before AS "notBefore",
  not_after AS "notAfter", issued_at AS "issuedAt", issued_by AS "issuedBy", revoked_at AS "revokedAt",
  revoked_by AS "revokedBy", revoke_reason AS "revokeReason"`;

/** Issued appliance certificates (`appliance_certificates`) and the appliance's place in the directory. */
@Injectable()
export class CaRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  async findAppliance(id: string): Promise<ApplianceScope | undefined> {
    const r = await this.db.query<ApplianceScope>(
      `SELECT a.id, a.room_id AS "roomId", r.venue_id AS "venueId", c.region_code AS "regionCode"
         FROM appliances a JOIN rooms r ON r.id = a.room_id JOIN venues v ON v.id = r.venue_id
         JOIN trading_centers c ON c.id = v.trading_center_id WHERE a.id = $1`,
      [id],
    );
    return r.rows[0];
  }

  async insert(
    c: { serial: string; applianceId: string; fingerprintSha256: string; publicKeySha256: string; notBefore: Date; notAfter: Date; issuedBy: string; pem: string },
    tx: Queryable,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO appliance_certificates (serial, appliance_id, fingerprint_sha256, public_key_sha256, not_before, not_after, issued_by, certificate_pem)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [c.serial, c.applianceId, c.fingerprintSha256, c.publicKeySha256, c.notBefore, c.notAfter, c.issuedBy, c.pem],
    );
  }

  /** Revokes the appliance's unrevoked certificates (one serial, or all), returning what changed. */
  async revoke(applianceId: string, serial: string | undefined, by: string, reason: string, tx: Queryable): Promise<{ serial: string; revokedAt: Date }[]> {
    const r = await tx.query<{ serial: string; revokedAt: Date }>(
      `UPDATE appliance_certificates SET revoked_at = now(), revoked_by = $3, revoke_reason = $4
        WHERE appliance_id = $1 AND ($2::text IS NULL OR serial = $2) AND revoked_at IS NULL
        RETURNING serial, revoked_at AS "revokedAt"`,
      [applianceId, serial ?? null, by, reason],
    );
    return r.rows;
  }

  async list(applianceId: string): Promise<CertificateRow[]> {
    return (await this.db.query<CertificateRow>(`SELECT ${COLUMNS} FROM appliance_certificates WHERE appliance_id = $1 ORDER BY issued_at DESC, serial`, [applianceId])).rows;
  }

  /** Is this public key already certified for another appliance? (a key is one box's identity) */
  async keyUsedElsewhere(publicKeySha256: string, applianceId: string): Promise<boolean> {
    const r = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM appliance_certificates WHERE public_key_sha256 = $1 AND appliance_id <> $2`,
      [publicKeySha256, applianceId],
    );
    return r.rows[0]!.n > 0;
  }
}
