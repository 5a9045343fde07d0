import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/roles.decorator';
import { ApiZodBody, ZodPipe, type Infer } from '../http/zod';
import { httpRefusal } from '../rules/http-outcome';
import { verifyDraw } from './draw';
import { DrawService } from './draw.service';

export const DrawBody = z.strictObject({
  committeeSize: z.number().int().min(3).max(99),
  subVenueSeats: z.number().int().min(1).max(99),
  minCenters: z.number().int().min(1).max(20).optional(),
  kind: z.enum(['initial', 'supplementary']).optional(),
  form: z.enum(['local_dispersed', 'intra_province', 'cross_province']).optional(),
});
const Venue = z.strictObject({ venueId: z.string(), centerId: z.string(), province: z.string(), city: z.string(), availableSeats: z.number().int().nonnegative() });
export const VerifyBody = z.strictObject({
  seed: z.string().regex(/^[0-9a-f]{64}$/),
  commitment: z.string().regex(/^[0-9a-f]{64}$/),
  inputDigest: z.string().regex(/^[0-9a-f]{64}$/),
  eligible: z.array(Venue).max(10_000),
  params: z.strictObject({ committeeSize: z.number().int(), subVenueSeats: z.number().int(), mainCenterId: z.string(), minCenters: z.number().int() }),
  assignments: z.array(z.strictObject({ venueId: z.string(), centerId: z.string(), seats: z.number().int() })),
});

@ApiTags('draw')
@ApiBearerAuth()
@Controller('v1')
export class DrawController {
  constructor(@Inject(DrawService) private readonly draws: DrawService) {}

  @Post('sessions/:id/draws')
  @HttpCode(201)
  @Roles('admin', 'central_ops', 'venue_staff')
  @ApiOperation({ summary: 'Commit to a seed, draw the sub-venues at random (H6, L13), book their seats sealed' })
  @ApiZodBody(DrawBody)
  async draw(@Param('id') id: string, @Body(new ZodPipe(DrawBody)) b: Infer<typeof DrawBody>, @CurrentCaller() caller: Caller) {
    const r = await this.draws.draw(caller, id, b);
    if (!r.ok) throw httpRefusal(r.status, r);
    return r.draw;
  }

  @Get('sessions/:id/draws')
  @Roles('admin', 'central_ops', 'supervisor', 'venue_staff', 'technician')
  @ApiOperation({ summary: 'The draws of a session; fields sealed for the caller are absent' })
  async list(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    const r = await this.draws.views(caller, id);
    if (!r.ok) throw httpRefusal(r.status, r);
    return r.draws;
  }

  @Post('draws/verify')
  @HttpCode(200)
  @Roles('admin', 'central_ops', 'supervisor', 'venue_staff', 'technician')
  @ApiOperation({ summary: 'Reproduce a revealed draw: seed ↔ commitment, inputs ↔ digest, result' })
  @ApiZodBody(VerifyBody)
  verify(@Body(new ZodPipe(VerifyBody)) b: Infer<typeof VerifyBody>) {
    return verifyDraw(b.seed, b);
  }
}
