import { BadRequestException, ConflictException, Inject, Injectable } from '@nestjs/common';
import type { CreateRoomBody, CreateTradingCenterBody, CreateVenueBody } from '@evalroom/contracts';
import type { Caller } from '../auth/caller';
import { canSeeVenue } from '../auth/scope';
import { isForeignKeyViolation, isUniqueViolation } from '../http/errors';
import { DirectoryRepository, type RoomRow, type VenueRow } from './directory.repository';

/** Trading centers, venues, rooms and workstations. */
@Injectable()
export class DirectoryService {
  constructor(@Inject(DirectoryRepository) private readonly repo: DirectoryRepository) {}

  createTradingCenter(body: CreateTradingCenterBody): Promise<void> {
    return this.guard('trading center', body.id, () => this.repo.insertTradingCenter(body));
  }

  createVenue(body: CreateVenueBody): Promise<void> {
    return this.guard('venue', body.id, () => this.repo.insertVenue(body));
  }

  createRoom(body: CreateRoomBody): Promise<void> {
    const codes = body.workstations.map((w) => w.code);
    if (new Set(codes).size !== codes.length) throw new BadRequestException('invalid request: workstations: duplicate code');
    return this.guard('room', body.id, () => this.repo.insertRoom(body));
  }

  async venuesFor(caller: Caller): Promise<VenueRow[]> {
    return (await this.repo.listVenues()).filter((v) => caller.role !== 'venue_staff' && caller.role !== 'technician' ? true : canSeeVenue(caller, v));
  }

  async roomsFor(caller: Caller, venueId?: string): Promise<(RoomRow & { workstations: string[] })[]> {
    return (await this.repo.listRooms(venueId)).filter((r) =>
      caller.role !== 'venue_staff' && caller.role !== 'technician' ? true : canSeeVenue(caller, { id: r.venueId, regionCode: r.regionCode }),
    );
  }

  findVenue(id: string): Promise<VenueRow | undefined> {
    return this.repo.findVenue(id);
  }

  findRooms(ids: string[]): Promise<RoomRow[]> {
    return this.repo.findRooms(ids);
  }

  private async guard(kind: string, id: string, op: () => Promise<void>): Promise<void> {
    try {
      await op();
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictException(`${kind} ${id} exists`);
      if (isForeignKeyViolation(err)) throw new BadRequestException(`invalid request: ${kind} ${id} refers to an unknown parent`);
      throw err;
    }
  }
}
