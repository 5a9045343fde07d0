import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { TelemetryQuery, type TelemetryPoint } from '@evalroom/contracts';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/roles.decorator';
import { ApiZodQuery, ZodPipe, type Infer } from '../http/zod';
import { TelemetryService } from './telemetry.service';

@ApiTags('telemetry')
@ApiBearerAuth()
@Controller('v1/telemetry')
export class TelemetryController {
  constructor(@Inject(TelemetryService) private readonly telemetry: TelemetryService) {}

  /** A metric of one appliance, raw or downsampled (1 min / 1 h buckets). */
  @Get()
  @Roles('admin', 'central_ops', 'technician')
  @ApiZodQuery(TelemetryQuery)
  query(@Query(new ZodPipe(TelemetryQuery)) q: Infer<typeof TelemetryQuery>, @CurrentCaller() caller: Caller): Promise<TelemetryPoint[]> {
    return this.telemetry.query(q, caller);
  }
}
