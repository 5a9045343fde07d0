import { Body, Controller, Get, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CreateSessionBody, type SessionCreated, type SessionView, type SigninView } from '@evalroom/contracts';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/roles.decorator';
import { ApiZodBody, ZodPipe, type Infer } from '../http/zod';
import { SessionsService, type SessionRecords, type SessionSummary } from './sessions.service';

@ApiTags('sessions')
@ApiBearerAuth()
@Controller('v1/sessions')
export class SessionsController {
  constructor(@Inject(SessionsService) private readonly sessions: SessionsService) {}

  @Post()
  @Roles('admin', 'central_ops')
  @ApiZodBody(CreateSessionBody)
  create(@Body(new ZodPipe(CreateSessionBody)) body: Infer<typeof CreateSessionBody>, @CurrentCaller() caller: Caller): Promise<SessionCreated> {
    return this.sessions.create(body, caller);
  }

  /** The sessions the caller may see (a supervisor: their department's), newest first; no identities. */
  @Get()
  @Roles('admin', 'central_ops', 'supervisor', 'venue_staff')
  list(@CurrentCaller() caller: Caller): Promise<SessionSummary[]> {
    return this.sessions.list(caller);
  }

  @Get(':id')
  @Roles('admin', 'central_ops', 'supervisor', 'venue_staff')
  view(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<SessionView> {
    return this.sessions.view(id, caller);
  }

  /** Check-in rejections and incidents in the rooms of the session the caller may see. */
  @Get(':id/records')
  @Roles('admin', 'central_ops', 'supervisor', 'venue_staff')
  records(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<SessionRecords> {
    return this.sessions.records(id, caller);
  }

  @Get(':id/signins')
  @Roles('admin', 'central_ops', 'supervisor', 'venue_staff')
  signins(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<SigninView[]> {
    return this.sessions.signins(id, caller);
  }
}
