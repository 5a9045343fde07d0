import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { EventsQuery } from '@evalroom/contracts';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/roles.decorator';
import { ApiZodQuery, ZodPipe, type Infer } from '../http/zod';
import { EventsService } from './events.service';

@ApiTags('events')
@ApiBearerAuth()
@Controller('v1/events')
export class EventsController {
  constructor(@Inject(EventsService) private readonly events: EventsService) {}

  /** Appliance events (check-in payloads carry expertRefs only, never identities). */
  @Get()
  @Roles('admin', 'central_ops', 'technician')
  @ApiZodQuery(EventsQuery)
  list(@Query(new ZodPipe(EventsQuery)) q: Infer<typeof EventsQuery>, @CurrentCaller() caller: Caller) {
    return this.events.list(q, caller);
  }
}
