import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/roles.decorator';
import { ApiZodBody, ApiZodQuery, ZodPipe, type Infer } from '../http/zod';
import { httpRefusal, refusalStatus } from '../rules/http-outcome';
import { BookingsService } from './bookings.service';

const Id = z.string().min(1).max(64);
export const BookingBody = z.strictObject({
  projectCode: z.string().min(1).max(64),
  mainVenueId: Id,
  sessionId: Id.optional(),
  tenderNoticeAt: z.iso.datetime({ offset: true }).optional(),
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  workstationIds: z.array(Id).min(1).max(100),
  committeeSize: z.number().int().min(3).max(99).optional(),
});
export const ChangeBody = z.strictObject({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }), reason: z.string().min(1).max(2000) });
export const DecisionBody = z.strictObject({ approve: z.boolean(), note: z.string().max(2000).default('') });
export const CancelBody = z.strictObject({ reason: z.string().min(1).max(2000) });
export const BookingsQuery = z.strictObject({ venueId: Id, from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) });

const fail = (r: { ok: false; code: string; reason: string; rule?: string }) => httpRefusal(refusalStatus(r.code), r);

@ApiTags('bookings (LS5.5.5)')
@ApiBearerAuth()
@Controller('v1')
export class BookingsController {
  constructor(@Inject(BookingsService) private readonly bookings: BookingsService) {}

  @Post('bookings')
  @HttpCode(201)
  @Roles('admin', 'central_ops', 'venue_staff')
  @ApiOperation({ summary: 'File a workstation booking with the tender notice (L13); refusals carry code, rule and reason' })
  @ApiZodBody(BookingBody)
  async book(@Body(new ZodPipe(BookingBody)) b: Infer<typeof BookingBody>, @CurrentCaller() caller: Caller) {
    const r = await this.bookings.book(caller, { ...b, tenderNoticeAt: b.tenderNoticeAt ? new Date(b.tenderNoticeAt) : null, from: new Date(b.from), to: new Date(b.to) });
    if (!r.ok) throw fail(r);
    return r;
  }

  @Post('bookings/:requestId/confirm')
  @HttpCode(200)
  @Roles('admin', 'central_ops', 'venue_staff')
  @ApiOperation({ summary: 'The venue confirms its workstations of a request (within 3 days, L14)' })
  async confirm(@Param('requestId') requestId: string, @CurrentCaller() caller: Caller) {
    const r = await this.bookings.confirm(caller, requestId);
    if (!r.ok) throw fail(r);
    return r;
  }

  @Post('bookings/:requestId/changes')
  @HttpCode(201)
  @Roles('admin', 'central_ops', 'venue_staff')
  @ApiOperation({ summary: 'Request a change ≥ 5 days before the evaluation (L14)' })
  @ApiZodBody(ChangeBody)
  async change(@Param('requestId') requestId: string, @Body(new ZodPipe(ChangeBody)) b: Infer<typeof ChangeBody>, @CurrentCaller() caller: Caller) {
    const r = await this.bookings.requestChange(caller, requestId, new Date(b.from), new Date(b.to), b.reason);
    if (!r.ok) throw fail(r);
    return r;
  }

  @Post('booking-changes/:changeId/decision')
  @HttpCode(200)
  @Roles('admin', 'central_ops', 'venue_staff')
  @ApiOperation({ summary: 'The venue checks a change within 1 working day (L14)' })
  @ApiZodBody(DecisionBody)
  async decide(@Param('changeId') changeId: string, @Body(new ZodPipe(DecisionBody)) b: Infer<typeof DecisionBody>, @CurrentCaller() caller: Caller) {
    const r = await this.bookings.decideChange(caller, changeId, b.approve, b.note);
    if (!r.ok) throw fail(r);
    return r;
  }

  @Post('bookings/:requestId/cancel')
  @HttpCode(200)
  @Roles('admin', 'central_ops', 'venue_staff')
  @ApiZodBody(CancelBody)
  async cancel(@Param('requestId') requestId: string, @Body(new ZodPipe(CancelBody)) b: Infer<typeof CancelBody>, @CurrentCaller() caller: Caller) {
    const r = await this.bookings.cancel(caller, requestId, b.reason);
    if (!r.ok) throw fail(r);
    return r;
  }

  @Get('bookings')
  @Roles('admin', 'central_ops', 'supervisor', 'venue_staff')
  @ApiOperation({ summary: 'Bookings at a venue; sealed sub-venue rows hide their venue from the main venue' })
  @ApiZodQuery(BookingsQuery)
  async list(@Query(new ZodPipe(BookingsQuery)) q: Infer<typeof BookingsQuery>, @CurrentCaller() caller: Caller) {
    if (caller.role === 'venue_staff' && !caller.venueIds.includes(q.venueId)) throw httpRefusal(403, { code: 'forbidden', reason: 'not your venue' });
    return this.bookings.listForVenue(caller, q.venueId, new Date(q.from), new Date(q.to));
  }
}
