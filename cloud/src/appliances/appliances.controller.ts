import { Body, Controller, Get, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RegisterApplianceBody, type ApplianceRegistered, type ApplianceView } from '@evalroom/contracts';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/roles.decorator';
import { ApiZodBody, ZodPipe, type Infer } from '../http/zod';
import { AppliancesService, type ApplianceListItem } from './appliances.service';

@ApiTags('appliances')
@ApiBearerAuth()
@Controller('v1/appliances')
export class AppliancesController {
  constructor(
    @Inject(AppliancesService) private readonly appliances: AppliancesService,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  /** Registers an appliance; the MQTT password is in this response only. */
  @Post()
  @Roles('admin', 'technician')
  @ApiZodBody(RegisterApplianceBody)
  async register(@Body(new ZodPipe(RegisterApplianceBody)) body: Infer<typeof RegisterApplianceBody>, @CurrentCaller() caller: Caller): Promise<ApplianceRegistered> {
    const r = await this.appliances.register(body, caller);
    await this.audit.record(caller, 'appliance.register', `appliance:${body.applianceId}`, { roomId: body.roomId });
    return r;
  }

  /** Every appliance in the caller's scope (console: 设备状态). */
  @Get()
  @Roles('admin', 'central_ops', 'technician')
  list(@CurrentCaller() caller: Caller): Promise<ApplianceListItem[]> {
    return this.appliances.list(caller);
  }

  @Get(':id')
  @Roles('admin', 'central_ops', 'technician')
  view(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<ApplianceView> {
    return this.appliances.view(id, caller);
  }
}
