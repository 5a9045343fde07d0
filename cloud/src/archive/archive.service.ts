import { BadRequestException, ConflictException, ForbiddenException, Inject, Injectable, Logger, NotFoundException, UnauthorizedException, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { createHash, createPublicKey, randomUUID, verify } from 'node:crypto';
import { BundleManifest, parsePayload, type ArchiveReceipt, type ArchiveUploadInit, type ArchiveUploadState } from '@evalroom/contracts';
import { verifyPassword } from '../mqtt/credentials';
import { SessionsService } from '../sessions/sessions.service';
import { ArchiveRepository, type BundleRow, type UploadRow } from './archive.repository';
import { handoverDeadline, handoverPolicyFrom, type HandoverPolicy } from './deadline';

export const MAX_CHUNK_BYTES = 64 * 1024 * 1024;

/**
 * The write-once footage archive: resumable uploads with a SHA-256 per chunk, assembly with a
 * SHA-256 per file and the appliance's manifest signature checked, a receipt (acknowledgement)
 * stored here and returned to the appliance. No route overwrites or deletes.
 */
@Injectable()
export class ArchiveService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Archive');
  private timer: NodeJS.Timeout | null = null;
  readonly policy: HandoverPolicy = handoverPolicyFrom(process.env.EVALROOM_HANDOVER_POLICY);

  constructor(
    @Inject(ArchiveRepository) private readonly repo: ArchiveRepository,
    @Inject(SessionsService) private readonly sessions: SessionsService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.sweepOverdue().catch((e) => this.logger.error(`overdue sweep: ${(e as Error).message}`)), 10 * 60_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** HTTP Basic with the appliance id and its cloud secret. */
  async authenticateAppliance(header: string | undefined): Promise<string> {
    const m = /^Basic ([A-Za-z0-9+/=]{4,400})$/.exec(header ?? '');
    if (!m) throw new UnauthorizedException('appliance credentials required (Basic)');
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const sep = decoded.indexOf(':');
    const id = decoded.slice(0, sep);
    const hash = sep > 0 ? await this.repo.applianceSecretHash(id) : null;
    if (!hash || !(await verifyPassword(decoded.slice(sep + 1), hash))) throw new UnauthorizedException('unknown appliance or wrong secret');
    return id;
  }

  private async state(u: UploadRow): Promise<ArchiveUploadState> {
    const bundle = await this.repo.findBundle(u.sessionId, u.applianceId);
    const done = bundle && bundle.uploadId === u.uploadId ? bundle : null;
    return {
      uploadId: u.uploadId,
      chunkCount: u.chunkCount,
      received: await this.repo.receivedChunks(u.uploadId),
      complete: done !== null,
      ...(done ? { receipt: receiptOf(done) } : {}),
    };
  }

  async init(applianceId: string, body: ArchiveUploadInit): Promise<ArchiveUploadState> {
    if (body.applianceId !== applianceId) throw new BadRequestException('applianceId does not match the credentials');
    const total = body.files.reduce((n, f) => n + f.size, 0);
    if (total !== body.totalSize) throw new BadRequestException('totalSize is not the sum of the file sizes');
    if (body.files[0]?.path !== 'manifest.json' || body.files[1]?.path !== 'manifest.sig') throw new BadRequestException('files must start with manifest.json and manifest.sig');
    if (!(await this.sessions.heldByAppliance(body.sessionId, applianceId)))
      throw new ForbiddenException(`session ${body.sessionId} is not held in this appliance's room`);
    const archived = await this.repo.findBundle(body.sessionId, applianceId);
    if (archived && archived.bundleSha256 !== body.bundleSha256) throw new ConflictException('this session is already archived from this appliance; the archive is write-once');
    const existing = await this.repo.findUploadFor(body.sessionId, applianceId, body.bundleSha256);
    if (existing) return this.state(existing);
    const u: UploadRow = {
      uploadId: randomUUID(),
      sessionId: body.sessionId,
      applianceId,
      bundleSha256: body.bundleSha256,
      totalSize: body.totalSize,
      chunkSize: body.chunkSize,
      chunkCount: Math.ceil(body.totalSize / body.chunkSize),
      files: body.files,
      sessionEndedAt: new Date(body.sessionEndedAt),
    };
    await this.repo.insertUpload(u);
    const stored = await this.repo.findUploadFor(body.sessionId, applianceId, body.bundleSha256);
    return this.state(stored!);
  }

  private async ownUpload(applianceId: string, uploadId: string): Promise<UploadRow> {
    const u = /^[0-9a-f-]{36}$/.test(uploadId) ? await this.repo.findUpload(uploadId) : null;
    if (!u || u.applianceId !== applianceId) throw new NotFoundException('no such upload');
    return u;
  }

  async get(applianceId: string, uploadId: string): Promise<ArchiveUploadState> {
    return this.state(await this.ownUpload(applianceId, uploadId));
  }

  async putChunk(applianceId: string, uploadId: string, idx: number, data: Buffer, sha256: string | undefined): Promise<ArchiveUploadState> {
    const u = await this.ownUpload(applianceId, uploadId);
    if (!Number.isInteger(idx) || idx < 0 || idx >= u.chunkCount) throw new BadRequestException('chunk index out of range');
    const expected = idx < u.chunkCount - 1 ? u.chunkSize : u.totalSize - u.chunkSize * (u.chunkCount - 1);
    if (data.length !== expected) throw new BadRequestException(`chunk ${idx} must be ${expected} bytes, got ${data.length}`);
    const actual = createHash('sha256').update(data).digest('hex');
    if (!sha256 || actual !== sha256.toLowerCase()) throw new BadRequestException(`chunk ${idx}: SHA-256 mismatch (x-chunk-sha256)`);
    if (!(await this.repo.receivedChunks(uploadId)).includes(idx)) await this.repo.storeChunk(uploadId, idx, data, actual);
    return this.state(u);
  }

  async complete(applianceId: string, uploadId: string): Promise<ArchiveReceipt> {
    const u = await this.ownUpload(applianceId, uploadId);
    const existing = await this.repo.findBundle(u.sessionId, applianceId);
    if (existing) {
      if (existing.uploadId !== uploadId) throw new ConflictException('session already archived from another upload');
      return receiptOf(existing);
    }
    const have = await this.repo.receivedChunks(uploadId);
    if (have.length !== u.chunkCount) throw new ConflictException(`upload incomplete: ${have.length} of ${u.chunkCount} chunks`);
    const { storagePath, manifest, signature } = await this.repo.assemble(u);
    if (createHash('sha256').update(manifest).digest('hex') !== u.bundleSha256) throw new BadRequestException('manifest.json does not match bundleSha256');
    const parsed = parsePayload(BundleManifest, manifest);
    if (!parsed.ok) throw new BadRequestException(`manifest invalid: ${parsed.reason}`);
    const m = parsed.value;
    if (m.applianceId !== applianceId || !('sessionId' in m.selection) || m.selection.sessionId !== u.sessionId) throw new BadRequestException('manifest is not this session of this appliance');
    let signed = false;
    try {
      signed = verify(null, manifest, createPublicKey(m.publicKeyPem), Buffer.from(signature.toString('utf8').trim(), 'base64'));
    } catch {
      signed = false;
    }
    if (!signed) throw new BadRequestException('manifest signature invalid');
    const listed = new Map(m.files.map((f) => [f.path, f.sha256]));
    for (const f of u.files.slice(2)) if (listed.get(f.path) !== f.sha256) throw new BadRequestException(`${f.path} is not the file the manifest lists`);
    const row = await this.repo.insertBundle({
      sessionId: u.sessionId,
      applianceId,
      archiveId: `arc-${randomUUID()}`,
      bundleSha256: u.bundleSha256,
      uploadId,
      storagePath,
      totalSize: u.totalSize,
      sessionEndedAt: u.sessionEndedAt,
      deadlineAt: handoverDeadline(u.sessionEndedAt, this.policy),
    });
    this.logger.log(`archived session ${u.sessionId} from ${applianceId} (${u.totalSize} bytes)`);
    return receiptOf(row);
  }

  async session(sessionId: string): Promise<Array<ArchiveReceipt & { deadlineAt: string; onTime: boolean; totalSize: number }>> {
    const rows = await this.repo.bundlesOfSession(sessionId);
    return rows.map((b) => ({ ...receiptOf(b), deadlineAt: b.deadlineAt.toISOString(), onTime: b.receivedAt <= b.deadlineAt, totalSize: b.totalSize }));
  }

  /** Raises (once) an alarm for each ended session whose footage missed its handover deadline. */
  async sweepOverdue(now = new Date()): Promise<string[]> {
    const raised: string[] = [];
    for (const s of await this.repo.unarchivedSessions(120)) {
      const deadline = handoverDeadline(new Date(s.endsAt), this.policy);
      if (deadline > now) continue;
      if (await this.repo.insertAlarm(s.sessionId, new Date(s.endsAt), deadline)) {
        this.logger.warn(`ALARM footage handover overdue: session ${s.sessionId} ended ${new Date(s.endsAt).toISOString()}, deadline ${deadline.toISOString()}`);
        raised.push(s.sessionId);
      }
    }
    return raised;
  }

  overdue(): Promise<Array<{ sessionId: string; endedAt: Date; deadlineAt: Date; raisedAt: Date }>> {
    return this.repo.alarms();
  }
}

function receiptOf(b: BundleRow): ArchiveReceipt {
  return { sessionId: b.sessionId, applianceId: b.applianceId, bundleSha256: b.bundleSha256, archiveId: b.archiveId, receivedAt: new Date(b.receivedAt).toISOString() };
}
