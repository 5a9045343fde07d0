import { BadRequestException, ConflictException, ForbiddenException, Inject, Injectable, Logger, NotFoundException, type OnModuleInit } from '@nestjs/common';
import { parsePayload, ReportedState, type ApplianceRegistered, type ApplianceView, type RegisterApplianceBody } from '@evalroom/contracts';
import type { Caller } from '../auth/caller';
import { canSeeVenue } from '../auth/scope';
import { isForeignKeyViolation, isUniqueViolation } from '../http/errors';
import { CloudMqtt } from '../mqtt/cloud-mqtt';
import { hashPassword, newPassword } from '../mqtt/credentials';
import { DesiredStateService } from '../sessions/desired-state.service';
import { DirectoryService } from '../directory/directory.service';
import { AppliancesRepository, type ApplianceRow } from './appliances.repository';

/** A row of the appliance list: the view plus the room's and venue's names. */
export type ApplianceListItem = ApplianceView & { roomName: string; venueName: string };

/** Appliance registration, MQTT credentials and reported state. */
@Injectable()
export class AppliancesService implements OnModuleInit {
  private readonly logger = new Logger('Appliances');

  constructor(
    @Inject(AppliancesRepository) private readonly repo: AppliancesRepository,
    @Inject(CloudMqtt) private readonly mqtt: CloudMqtt,
    @Inject(DesiredStateService) private readonly desired: DesiredStateService,
    @Inject(DirectoryService) private readonly directory: DirectoryService,
  ) {}

  onModuleInit(): void {
    this.mqtt.on('reported', (id, payload) => this.onReported(id, payload));
    this.mqtt.onApplianceConnect((id) => {
      this.desired.publishFor(id).catch((err: Error) => this.logger.warn(`desired state for ${id}: ${err.message}`));
    });
  }

  async register(body: RegisterApplianceBody, caller: Caller): Promise<ApplianceRegistered> {
    if (caller.role === 'technician') {
      const [room] = await this.directory.findRooms([body.roomId]);
      if (room && !canSeeVenue(caller, { id: room.venueId, regionCode: room.regionCode })) throw new ForbiddenException('room outside your scope');
    }
    const password = newPassword();
    const hash = await hashPassword(password);
    try {
      await this.repo.insert(body.applianceId, body.roomId, hash);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictException(`appliance ${body.applianceId} is registered`);
      if (isForeignKeyViolation(err)) throw new BadRequestException(`invalid request: roomId: unknown room ${body.roomId}`);
      throw err;
    }
    this.mqtt.setApplianceCredential(body.applianceId, hash);
    await this.desired.publishFor(body.applianceId);
    return {
      applianceId: body.applianceId,
      roomId: body.roomId,
      mqtt: { url: this.mqtt.url, username: body.applianceId, password, clientId: body.applianceId },
    };
  }

  async view(id: string, caller: Caller): Promise<ApplianceView> {
    const a = await this.repo.find(id);
    if (!a) throw new NotFoundException(`no appliance ${id}`);
    if ((caller.role === 'technician' || caller.role === 'central_ops') && (caller.venueIds.length || caller.jurisdiction)) {
      if (!canSeeVenue(caller, { id: a.venueId, regionCode: a.regionCode })) throw new ForbiddenException('appliance outside your scope');
    }
    return toView(a);
  }

  /**
   * The appliances the caller may see: admin and unscoped central ops all; scoped central ops
   * and technicians those of their venues / jurisdiction (a technician without either: none).
   */
  async list(caller: Caller): Promise<ApplianceListItem[]> {
    const unscoped = caller.role === 'admin' || (caller.role === 'central_ops' && !caller.venueIds.length && !caller.jurisdiction);
    const rows = await this.repo.list(unscoped ? undefined : { venueIds: caller.venueIds, jurisdiction: caller.jurisdiction ?? null });
    return rows.map((a) => ({ ...toView(a), roomName: a.roomName, venueName: a.venueName }));
  }

  /** Reported state: status, applied version; a stale appliance gets its desired state again. */
  private async onReported(topicId: string, payload: Buffer): Promise<void> {
    const parsed = parsePayload(ReportedState, payload);
    if (!parsed.ok) return this.logger.warn(`rejected reported from ${topicId}: ${parsed.reason}`);
    if (parsed.value.applianceId !== topicId) return this.logger.warn(`rejected reported from ${topicId}: applianceId ${parsed.value.applianceId} does not match topic`);
    const saved = await this.repo.saveReported(topicId, parsed.value);
    if (!saved) return this.logger.warn(`rejected reported from ${topicId}: unknown appliance`);
    if (parsed.value.online && parsed.value.appliedVersion !== undefined && parsed.value.appliedVersion < saved.desiredVersion) {
      await this.desired.republish(topicId);
    }
  }
}

function toView(a: ApplianceRow): ApplianceView {
  return {
    applianceId: a.id,
    roomId: a.roomId,
    venueId: a.venueId,
    online: a.online,
    desiredVersion: a.desiredVersion,
    appliedVersion: a.appliedVersion,
    firmware: a.firmware,
    lastSeen: a.lastSeen ? new Date(a.lastSeen).toISOString() : null,
  };
}
