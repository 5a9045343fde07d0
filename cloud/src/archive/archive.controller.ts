import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ArchiveUploadInit, type ArchiveReceipt, type ArchiveUploadState } from '@evalroom/contracts';
import type { Readable } from 'node:stream';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Public, Roles } from '../auth/roles.decorator';
import { SessionsService } from '../sessions/sessions.service';
import { ApiZodBody, ZodPipe, type Infer } from '../http/zod';
import { ArchiveService, MAX_CHUNK_BYTES } from './archive.service';

async function readBody(req: Readable, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > limit) throw new Error('chunk too large');
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

/**
 * Appliance upload routes authenticate the appliance itself (HTTP Basic: id + cloud secret),
 * so they bypass the token guard; the read routes need a staff token. There is no PUT on an
 * archived bundle and no DELETE anywhere: the archive is write-once.
 */
@ApiTags('archive')
@Controller('v1/archive')
export class ArchiveController {
  constructor(
    @Inject(ArchiveService) private readonly archive: ArchiveService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  @Post('uploads')
  @Public()
  @ApiZodBody(ArchiveUploadInit)
  async init(@Headers('authorization') auth: string | undefined, @Body() raw: unknown): Promise<ArchiveUploadState> {
    // Authenticate before looking at the body, so strangers learn nothing from validation errors.
    const appliance = await this.archive.authenticateAppliance(auth);
    const body: Infer<typeof ArchiveUploadInit> = new ZodPipe(ArchiveUploadInit).transform(raw);
    return this.archive.init(appliance, body);
  }

  @Get('uploads/:id')
  @Public()
  async get(@Headers('authorization') auth: string | undefined, @Param('id') id: string): Promise<ArchiveUploadState> {
    return this.archive.get(await this.archive.authenticateAppliance(auth), id);
  }

  @Put('uploads/:id/chunks/:idx')
  @Public()
  async chunk(
    @Headers('authorization') auth: string | undefined,
    @Headers('x-chunk-sha256') sha: string | undefined,
    @Param('id') id: string,
    @Param('idx') idx: string,
    @Req() req: Readable & { body?: unknown },
  ): Promise<ArchiveUploadState> {
    const appliance = await this.archive.authenticateAppliance(auth);
    const data = Buffer.isBuffer(req.body) ? req.body : await readBody(req, MAX_CHUNK_BYTES);
    return this.archive.putChunk(appliance, id, Number(idx), data, sha);
  }

  @Post('uploads/:id/complete')
  @Public()
  @HttpCode(200)
  async complete(@Headers('authorization') auth: string | undefined, @Param('id') id: string): Promise<ArchiveReceipt> {
    return this.archive.complete(await this.archive.authenticateAppliance(auth), id);
  }

  @Get('sessions/:sessionId')
  @ApiBearerAuth()
  @Roles('admin', 'central_ops', 'supervisor')
  async session(@Param('sessionId') sessionId: string, @CurrentCaller() caller: Caller) {
    // Same visibility as the session itself: a supervisor sees the footage of the sessions
    // their department supervises, and every look at footage is audited.
    await this.sessions.requireVisible(sessionId, caller);
    const bundles = await this.archive.session(sessionId);
    await this.audit.record(caller, 'footage.list', `session:${sessionId}`, { bundles: bundles.length });
    return bundles;
  }

  @Get('overdue')
  @ApiBearerAuth()
  @Roles('admin', 'central_ops', 'supervisor')
  async overdue(@CurrentCaller() caller: Caller) {
    await this.archive.sweepOverdue();
    const all = await this.archive.overdue();
    const visible = await Promise.all(all.map((o) => this.sessions.isVisible(o.sessionId, caller)));
    return all.filter((_, i) => visible[i]);
  }
}
