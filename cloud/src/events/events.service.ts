import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ApplianceEvent, cloudTopics, parsePayload, type EventAck, type EventsQuery } from '@evalroom/contracts';
import type { Caller } from '../auth/caller';
import { CloudMqtt } from '../mqtt/cloud-mqtt';
import { EventsRepository, type StoredEvent } from './events.repository';

/**
 * Appliance events: validated, stored exactly once by eventId (with their sign-in/rejection/...
 * rows), then acknowledged on …/acks after the commit. Bad messages are logged and dropped.
 */
@Injectable()
export class EventsService implements OnModuleInit {
  private readonly logger = new Logger('Events');

  constructor(
    @Inject(EventsRepository) private readonly repo: EventsRepository,
    @Inject(CloudMqtt) private readonly mqtt: CloudMqtt,
  ) {}

  onModuleInit(): void {
    this.mqtt.on('events', async (id, payload) => void (await this.onEvent(id, payload)));
  }

  /** Returns the acked event id, or undefined when the message was rejected. */
  async onEvent(topicApplianceId: string, payload: Buffer): Promise<string | undefined> {
    const parsed = parsePayload(ApplianceEvent, payload);
    if (!parsed.ok) {
      this.logger.warn(`rejected event from ${topicApplianceId}: ${parsed.reason}`);
      return undefined;
    }
    const e = parsed.value;
    if (e.applianceId !== topicApplianceId) {
      this.logger.warn(`rejected event ${e.eventId} from ${topicApplianceId}: applianceId ${e.applianceId} does not match topic`);
      return undefined;
    }
    const roomId = await this.repo.applianceRoom(e.applianceId);
    if (!roomId) {
      this.logger.warn(`rejected event ${e.eventId}: unknown appliance ${e.applianceId}`);
      return undefined;
    }
    const r = await this.repo.ingest(e, roomId);
    if (r.note) this.logger.warn(r.note);
    const ack: EventAck = { v: 1, eventIds: [e.eventId] };
    await this.mqtt.publish(cloudTopics.appliance(e.applianceId, 'acks'), ack, { qos: 1 });
    return e.eventId;
  }

  async list(q: EventsQuery, caller: Caller): Promise<StoredEvent[]> {
    const scoped = caller.role === 'technician' || (caller.role === 'central_ops' && (caller.venueIds.length > 0 || !!caller.jurisdiction));
    const applianceIds = scoped ? await this.repo.applianceIdsInScope(caller.venueIds, caller.jurisdiction ?? null) : undefined;
    const rows = await this.repo.list({ ...q, applianceIds });
    return rows.map((r) => ({ ...r, ts: new Date(r.ts), receivedAt: new Date(r.receivedAt) }));
  }
}
