import { Body, Controller, Get, Header, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/roles.decorator';
import { BookingsService } from '../bookings/bookings.service';
import { ApiZodBody, ApiZodQuery, ZodPipe, type Infer } from '../http/zod';
import { ReportsRepository } from '../reports/reports.repository';
import { httpRefusal, refusalStatus } from '../rules/http-outcome';
import { regionFor } from '../rules/jurisdiction';
import { regionQuotas, venueQuota } from '../rules/sharing';
import { PLATFORM_EVENT_NAMES, PLATFORM_EVENTS } from './events';
import { PlatformRepository } from './platform.repository';
import { WebhooksService } from './webhooks.service';

const Id = z.string().min(1).max(64);
export const RegionQuery = z.strictObject({ region: z.string().regex(/^\d{0,6}$/).optional() });
export const ProjectFormationBody = z.strictObject({
  projectCode: z.string().min(1).max(64),
  mainVenueId: Id,
  sessionId: Id.optional(),
  tenderNoticeAt: z.iso.datetime({ offset: true }).optional(),
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  workstationIds: z.array(Id).min(1).max(100),
  committeeSize: z.number().int().min(3).max(99),
  specialties: z.array(z.strictObject({ code: z.string().min(1).max(32), experts: z.number().int().min(1).max(99) })).min(1).max(20),
});
export const ResultBody = z.strictObject({
  projectCode: z.string().min(1).max(64),
  projectName: z.string().min(1).max(200),
  mainVenueId: Id,
  remote: z.boolean(),
  evaluatedOn: z.iso.date(),
  lots: z.array(z.strictObject({ lotId: Id, finished: z.boolean(), budgetYuan: z.number().int().nonnegative(), awardYuan: z.number().int().nonnegative() })).min(1).max(500),
  subVenues: z.array(z.strictObject({ venueId: Id, experts: z.number().int().min(1).max(99) })).max(50),
});
export const SubscribeBody = z.strictObject({ url: z.url({ protocol: /^https?$/ }), events: z.array(z.enum(PLATFORM_EVENT_NAMES)).min(1) });


@ApiTags('platform interfaces (LS5.5)')
@ApiBearerAuth()
@Controller('v1/platform')
export class PlatformController {
  constructor(
    @Inject(PlatformRepository) private readonly repo: PlatformRepository,
    @Inject(WebhooksService) private readonly webhooks: WebhooksService,
    @Inject(BookingsService) private readonly bookings: BookingsService,
    @Inject(ReportsRepository) private readonly reports: ReportsRepository,
  ) {}

  private region(caller: Caller, region?: string): string {
    const r = regionFor(caller, region);
    if (r === null) throw httpRefusal(403, { code: 'forbidden', reason: 'outside your jurisdiction' });
    return r;
  }

  @Get('venues')
  @Roles('admin', 'central_ops', 'supervisor')
  @ApiOperation({ summary: '5.5.1 获取场地信息: venues, rooms, workstations with shared flags and the L9 quota per venue' })
  @ApiZodQuery(RegionQuery)
  async venues(@Query(new ZodPipe(RegionQuery)) q: Infer<typeof RegionQuery>, @CurrentCaller() caller: Caller) {
    const dir = await this.repo.directory(this.region(caller, q.region));
    return dir.map((v) => ({ ...v, quota: venueQuota(v) }));
  }

  @Get('sharing-quotas')
  @Roles('admin', 'central_ops', 'supervisor')
  @ApiOperation({ summary: 'L9 sharing quotas per region (a city with its counties): ≥ 20 % shared, < 5 rooms → ≥ 1 room' })
  @ApiZodQuery(RegionQuery)
  async quotas(@Query(new ZodPipe(RegionQuery)) q: Infer<typeof RegionQuery>, @CurrentCaller() caller: Caller) {
    const dir = await this.repo.directory(this.region(caller, q.region));
    return { regions: regionQuotas(dir), venues: dir.map(venueQuota) };
  }

  @Get('shared-workstations.csv')
  @Roles('admin', 'central_ops', 'supervisor')
  @Header('content-type', 'text/csv; charset=utf-8')
  @ApiProduces('text/csv')
  @ApiOperation({ summary: 'Shared workstation directory export (NDRC 807, L9)' })
  @ApiZodQuery(RegionQuery)
  async sharedCsv(@Query(new ZodPipe(RegionQuery)) q: Infer<typeof RegionQuery>, @CurrentCaller() caller: Caller): Promise<string> {
    const dir = await this.repo.directory(this.region(caller, q.region));
    const esc = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    const lines = ['venue_id,venue_name,province_code,city_code,county_code,room_id,workstation_id'];
    for (const v of dir) for (const r of v.rooms) for (const w of r.workstations) if (w.shared) lines.push([v.venueId, v.name, v.province, v.city, v.county ?? '', r.roomId, w.id].map(esc).join(','));
    return '\ufeff' + lines.join('\r\n') + '\r\n';
  }

  @Post('project-formations')
  @HttpCode(201)
  @Roles('admin', 'central_ops')
  @ApiOperation({ summary: '5.5.5 项目组建信息下发: workstation booking with the experts’ specialties' })
  @ApiZodBody(ProjectFormationBody)
  async formation(@Body(new ZodPipe(ProjectFormationBody)) b: Infer<typeof ProjectFormationBody>, @CurrentCaller() caller: Caller) {
    const experts = b.specialties.reduce((a, s) => a + s.experts, 0);
    if (experts !== b.committeeSize) throw httpRefusal(400, { code: 'specialties_mismatch', reason: `specialties add up to ${experts} experts, the committee has ${b.committeeSize}` });
    const r = await this.bookings.book(caller, { ...b, tenderNoticeAt: b.tenderNoticeAt ? new Date(b.tenderNoticeAt) : null, from: new Date(b.from), to: new Date(b.to) });
    if (!r.ok) throw httpRefusal(refusalStatus(r.code), r);
    return { ...r, specialties: b.specialties };
  }

  @Post('results')
  @HttpCode(201)
  @Roles('admin', 'central_ops')
  @ApiOperation({ summary: '5.5.7 评标评审结果推送: accepted only when every lot finished; pushed on to subscribers' })
  @ApiZodBody(ResultBody)
  async results(@Body(new ZodPipe(ResultBody)) b: Infer<typeof ResultBody>, @CurrentCaller() caller: Caller) {
    const open = b.lots.filter((l) => !l.finished).map((l) => l.lotId);
    if (open.length) throw httpRefusal(409, { code: 'lots_unfinished', rule: 'LS5.5.7', reason: `lots not finished yet: ${open.join(', ')}` });
    if (!(await this.reports.venuesExist([b.mainVenueId, ...b.subVenues.map((s) => s.venueId)]))) throw httpRefusal(404, { code: 'unknown_venue', reason: 'a venue is not in the directory' });
    const budgetYuan = b.lots.reduce((a, l) => a + l.budgetYuan, 0);
    const awardYuan = b.lots.reduce((a, l) => a + l.awardYuan, 0);
    await this.reports.upsertResult({ projectCode: b.projectCode, projectName: b.projectName, mainVenueId: b.mainVenueId, remote: b.remote, lots: b.lots.length, budgetYuan, awardYuan, evaluatedOn: b.evaluatedOn, subVenues: b.subVenues }, `${caller.role}:${caller.tokenId}`);
    const pushed = await this.webhooks.emit(PLATFORM_EVENTS.resultPushed, { projectCode: b.projectCode, evaluatedOn: b.evaluatedOn, lots: b.lots });
    return { projectCode: b.projectCode, lots: b.lots.length, budgetYuan, awardYuan, pushed };
  }

  @Post('webhooks')
  @HttpCode(201)
  @Roles('admin')
  @ApiOperation({ summary: 'Subscribe a receiver; the HMAC secret is shown once' })
  @ApiZodBody(SubscribeBody)
  subscribe(@Body(new ZodPipe(SubscribeBody)) b: Infer<typeof SubscribeBody>) {
    return this.webhooks.subscribe(b.url, b.events);
  }

  @Get('webhook-deliveries')
  @Roles('admin', 'central_ops')
  @ApiOperation({ summary: 'Delivery log: attempts, last status and error' })
  deliveries() {
    return this.webhooks.deliveries();
  }
}
