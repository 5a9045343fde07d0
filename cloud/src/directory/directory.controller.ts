import { Body, Controller, Get, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CreateRoomBody, CreateTradingCenterBody, CreateVenueBody } from '@evalroom/contracts';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/roles.decorator';
import { ApiZodBody, ZodPipe, type Infer } from '../http/zod';
import { DirectoryService } from './directory.service';

@ApiTags('directory')
@ApiBearerAuth()
@Controller('v1')
export class DirectoryController {
  constructor(@Inject(DirectoryService) private readonly directory: DirectoryService) {}

  @Post('trading-centers')
  @HttpCode(201)
  @Roles('admin')
  @ApiZodBody(CreateTradingCenterBody)
  async createTradingCenter(@Body(new ZodPipe(CreateTradingCenterBody)) body: Infer<typeof CreateTradingCenterBody>): Promise<{ id: string }> {
    await this.directory.createTradingCenter(body);
    return { id: body.id };
  }

  @Post('venues')
  @Roles('admin')
  @ApiZodBody(CreateVenueBody)
  async createVenue(@Body(new ZodPipe(CreateVenueBody)) body: Infer<typeof CreateVenueBody>): Promise<{ id: string }> {
    await this.directory.createVenue(body);
    return { id: body.id };
  }

  @Post('rooms')
  @Roles('admin')
  @ApiZodBody(CreateRoomBody)
  async createRoom(@Body(new ZodPipe(CreateRoomBody)) body: Infer<typeof CreateRoomBody>): Promise<{ id: string }> {
    await this.directory.createRoom(body);
    return { id: body.id };
  }

  @Get('venues')
  @Roles('admin', 'central_ops', 'supervisor', 'venue_staff', 'technician')
  venues(@CurrentCaller() caller: Caller) {
    return this.directory.venuesFor(caller);
  }

  @Get('rooms')
  @Roles('admin', 'central_ops', 'supervisor', 'venue_staff', 'technician')
  rooms(@CurrentCaller() caller: Caller, @Query('venueId') venueId?: string) {
    return this.directory.roomsFor(caller, venueId);
  }
}
