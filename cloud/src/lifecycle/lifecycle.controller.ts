import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/roles.decorator';
import { ApiZodBody, ZodPipe, type Infer } from '../http/zod';
import { httpRefusal } from '../rules/http-outcome';
import { LifecycleService } from './lifecycle.service';
import { SESSION_ACTIONS } from './transitions';

export const TransitionBody = z.strictObject({
  action: z.enum(SESSION_ACTIONS),
  reason: z.string().max(2000).default(''),
  supervisorConsent: z.boolean().optional(),
  sameDay: z.boolean().optional(),
  systemFailure: z.boolean().optional(),
  allSigned: z.boolean().optional(),
  handedOver: z.boolean().optional(),
});

@ApiTags('sessions lifecycle')
@ApiBearerAuth()
@Controller('v1')
export class LifecycleController {
  constructor(@Inject(LifecycleService) private readonly lifecycle: LifecycleService) {}

  @Post('sessions/:id/transitions')
  @HttpCode(201)
  @Roles('admin', 'central_ops', 'supervisor', 'venue_staff', 'technician')
  @ApiOperation({ summary: 'Move a session through its lifecycle (L24–L27); every transition is recorded' })
  @ApiZodBody(TransitionBody)
  async transition(@Param('id') id: string, @Body(new ZodPipe(TransitionBody)) b: Infer<typeof TransitionBody>, @CurrentCaller() caller: Caller) {
    const r = await this.lifecycle.transition(caller, id, b);
    if (!r.ok) throw httpRefusal(r.status, r);
    return r;
  }

  @Get('sessions/:id/transitions')
  @Roles('admin', 'central_ops', 'supervisor', 'venue_staff')
  @ApiOperation({ summary: 'Every transition of a session: who, when, why, clause and effects' })
  async list(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    const r = await this.lifecycle.list(caller, id);
    if (!r.ok) throw httpRefusal(r.status, r);
    return r.transitions;
  }
}
