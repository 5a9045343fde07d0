import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/roles.decorator';

/** What the console needs to know about the signed-in token to pick its pages. */
export interface ConsoleMe {
  tokenId: string;
  role: Caller['role'];
  venueIds: string[];
  jurisdiction: string | null;
  department: string | null;
}

@ApiTags('console')
@ApiBearerAuth()
@Controller('v1/console')
export class ConsoleController {
  /** The caller's role and scope (a bad token gets 401 from the guard). */
  @Get('me')
  @Roles('admin', 'central_ops', 'supervisor', 'venue_staff', 'technician')
  me(@CurrentCaller() caller: Caller): ConsoleMe {
    return { tokenId: caller.tokenId, role: caller.role, venueIds: caller.venueIds, jurisdiction: caller.jurisdiction ?? null, department: caller.department ?? null };
  }
}
