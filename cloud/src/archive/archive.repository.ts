import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { ArchiveUploadInit } from '@evalroom/contracts';
import { CLOUD_CONFIG, type CloudConfig } from '../config/config';
import { Database } from '../db/database';

export interface UploadRow {
  uploadId: string;
  sessionId: string;
  applianceId: string;
  bundleSha256: string;
  totalSize: number;
  chunkSize: number;
  chunkCount: number;
  files: ArchiveUploadInit['files'];
  sessionEndedAt: Date;
}

export interface BundleRow {
  sessionId: string;
  applianceId: string;
  archiveId: string;
  bundleSha256: string;
  uploadId: string;
  storagePath: string;
  totalSize: number;
  sessionEndedAt: Date;
  deadlineAt: Date;
  receivedAt: Date;
}

const UPLOAD_COLS = `upload_id AS "uploadId", session_id AS "sessionId", appliance_id AS "applianceId", bundle_sha256 AS "bundleSha256",
  total_size::float8 AS "totalSize", chunk_size AS "chunkSize", chunk_count AS "chunkCount", files, session_ended_at AS "sessionEndedAt"`;
const BUNDLE_COLS = `session_id AS "sessionId", appliance_id AS "applianceId", archive_id AS "archiveId", bundle_sha256 AS "bundleSha256",
  upload_id AS "uploadId", storage_path AS "storagePath", total_size::float8 AS "totalSize", session_ended_at AS "sessionEndedAt",
  deadline_at AS "deadlineAt", received_at AS "receivedAt"`;

/** All archive I/O: SQL rows and the chunk/bundle files under <dataDir>/archive. */
@Injectable()
export class ArchiveRepository {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(CLOUD_CONFIG) private readonly config: CloudConfig,
  ) {}

  private get root(): string {
    return path.join(this.config.dataDir, 'archive');
  }

  async applianceSecretHash(applianceId: string): Promise<string | null> {
    const r = await this.db.query<{ h: string }>(`SELECT secret_hash AS h FROM appliances WHERE id = $1`, [applianceId]);
    return r.rows[0]?.h ?? null;
  }

  async findUpload(uploadId: string): Promise<UploadRow | null> {
    const r = await this.db.query<UploadRow>(`SELECT ${UPLOAD_COLS} FROM archive_uploads WHERE upload_id = $1`, [uploadId]);
    return r.rows[0] ?? null;
  }

  async findUploadFor(sessionId: string, applianceId: string, bundleSha256: string): Promise<UploadRow | null> {
    const r = await this.db.query<UploadRow>(
      `SELECT ${UPLOAD_COLS} FROM archive_uploads WHERE session_id = $1 AND appliance_id = $2 AND bundle_sha256 = $3`,
      [sessionId, applianceId, bundleSha256],
    );
    return r.rows[0] ?? null;
  }

  async insertUpload(u: UploadRow): Promise<void> {
    await this.db.query(
      `INSERT INTO archive_uploads (upload_id, session_id, appliance_id, bundle_sha256, total_size, chunk_size, chunk_count, files, session_ended_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8::jsonb,$9) ON CONFLICT DO NOTHING`,
      [u.uploadId, u.sessionId, u.applianceId, u.bundleSha256, u.totalSize, u.chunkSize, u.chunkCount, JSON.stringify(u.files), u.sessionEndedAt],
    );
  }

  async receivedChunks(uploadId: string): Promise<number[]> {
    const r = await this.db.query<{ idx: number }>(`SELECT idx FROM archive_chunks WHERE upload_id = $1 ORDER BY idx`, [uploadId]);
    return r.rows.map((x) => x.idx);
  }

  private chunkPath(uploadId: string, idx: number): string {
    return path.join(this.root, 'uploads', uploadId, `chunk-${String(idx).padStart(6, '0')}`);
  }

  /** Stores a verified chunk; a chunk already stored is kept (idempotent retry). */
  async storeChunk(uploadId: string, idx: number, data: Buffer, sha256: string): Promise<void> {
    const file = this.chunkPath(uploadId, idx);
    await fsp.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await fsp.writeFile(tmp, data);
    await fsp.rename(tmp, file);
    await this.db.query(`INSERT INTO archive_chunks (upload_id, idx, sha256, size) VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING`, [uploadId, idx, sha256, data.length]);
  }

  /**
   * Splits the concatenated chunks into the bundle's files under archive/sessions/<session>/<appliance>/,
   * checking every file's SHA-256; files are created exclusively and made read-only.
   */
  async assemble(u: UploadRow): Promise<{ storagePath: string; manifest: Buffer; signature: Buffer }> {
    const dest = path.join(this.root, 'sessions', encodeURIComponent(u.sessionId), encodeURIComponent(u.applianceId));
    const staging = `${dest}.staging-${u.uploadId}`;
    await fsp.rm(staging, { recursive: true, force: true });
    let chunk = 0;
    let buf = Buffer.alloc(0);
    const take = async (n: number): Promise<Buffer> => {
      while (buf.length < n) {
        if (chunk >= u.chunkCount) throw new Error('upload shorter than announced');
        buf = Buffer.concat([buf, await fsp.readFile(this.chunkPath(u.uploadId, chunk++))]);
      }
      const out = buf.subarray(0, n);
      buf = buf.subarray(n);
      return out;
    };
    let manifest = Buffer.alloc(0);
    let signature = Buffer.alloc(0);
    for (const f of u.files) {
      const abs = path.join(staging, f.path);
      await fsp.mkdir(path.dirname(abs), { recursive: true });
      const h = await fsp.open(abs, 'wx');
      const hash = createHash('sha256');
      try {
        let left = f.size;
        while (left > 0) {
          const part = await take(Math.min(left, 4 * 1024 * 1024));
          hash.update(part);
          await h.write(part);
          left -= part.length;
        }
        await h.sync();
      } finally {
        await h.close();
      }
      if (hash.digest('hex') !== f.sha256) throw new Error(`${f.path}: SHA-256 differs from the announced one`);
      if (f.path === 'manifest.json') manifest = await fsp.readFile(abs);
      if (f.path === 'manifest.sig') signature = await fsp.readFile(abs);
      await fsp.chmod(abs, 0o444);
    }
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    await fsp.rename(staging, dest);
    return { storagePath: path.relative(this.root, dest), manifest, signature };
  }

  async insertBundle(b: Omit<BundleRow, 'receivedAt'>): Promise<BundleRow> {
    const r = await this.db.query<BundleRow>(
      `INSERT INTO archive_bundles (session_id, appliance_id, archive_id, bundle_sha256, upload_id, storage_path, total_size, session_ended_at, deadline_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING ${BUNDLE_COLS}`,
      [b.sessionId, b.applianceId, b.archiveId, b.bundleSha256, b.uploadId, b.storagePath, b.totalSize, b.sessionEndedAt, b.deadlineAt],
    );
    return r.rows[0]!;
  }

  async findBundle(sessionId: string, applianceId: string): Promise<BundleRow | null> {
    const r = await this.db.query<BundleRow>(`SELECT ${BUNDLE_COLS} FROM archive_bundles WHERE session_id = $1 AND appliance_id = $2`, [sessionId, applianceId]);
    return r.rows[0] ?? null;
  }

  async bundlesOfSession(sessionId: string): Promise<BundleRow[]> {
    const r = await this.db.query<BundleRow>(`SELECT ${BUNDLE_COLS} FROM archive_bundles WHERE session_id = $1 ORDER BY appliance_id`, [sessionId]);
    return r.rows;
  }

  /** Ended sessions (within `sinceDays`) with no archived bundle and no alarm yet. */
  async unarchivedSessions(sinceDays: number): Promise<Array<{ sessionId: string; endsAt: Date }>> {
    const r = await this.db.query<{ sessionId: string; endsAt: Date }>(
      `SELECT s.id AS "sessionId", s.ends_at AS "endsAt" FROM sessions s
        WHERE s.ends_at < now() AND s.ends_at > now() - make_interval(days => $1::int)
          AND NOT EXISTS (SELECT 1 FROM archive_bundles b WHERE b.session_id = s.id)
          AND NOT EXISTS (SELECT 1 FROM archive_handover_alarms a WHERE a.session_id = s.id)`,
      [sinceDays],
    );
    return r.rows;
  }

  async insertAlarm(sessionId: string, endedAt: Date, deadlineAt: Date): Promise<boolean> {
    const r = await this.db.query(
      `INSERT INTO archive_handover_alarms (session_id, ended_at, deadline_at) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING RETURNING session_id`,
      [sessionId, endedAt, deadlineAt],
    );
    return r.rows.length > 0;
  }

  async alarms(): Promise<Array<{ sessionId: string; endedAt: Date; deadlineAt: Date; raisedAt: Date }>> {
    const r = await this.db.query<{ sessionId: string; endedAt: Date; deadlineAt: Date; raisedAt: Date }>(
      `SELECT session_id AS "sessionId", ended_at AS "endedAt", deadline_at AS "deadlineAt", raised_at AS "raisedAt"
         FROM archive_handover_alarms a
        WHERE NOT EXISTS (SELECT 1 FROM archive_bundles b WHERE b.session_id = a.session_id)
        ORDER BY deadline_at`,
    );
    return r.rows;
  }

  async readStoredFile(storagePath: string, rel: string): Promise<NodeJS.ReadableStream> {
    return createReadStream(path.join(this.root, storagePath, rel));
  }
}
