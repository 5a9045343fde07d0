import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { cloudTopics, DesiredState, type RoomSession } from '@evalroom/contracts';
import { CloudMqtt } from '../mqtt/cloud-mqtt';
import { SessionsRepository } from './sessions.repository';

/**
 * Publishes each appliance its DesiredState (the sessions of its room only; versioned; retained)
 * when sessions change, at registration, when it connects and at boot.
 * Publications for one appliance are serialized so versions arrive in order.
 */
@Injectable()
export class DesiredStateService implements OnApplicationBootstrap {
  private readonly logger = new Logger('DesiredState');
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    @Inject(SessionsRepository) private readonly repo: SessionsRepository,
    @Inject(CloudMqtt) private readonly mqtt: CloudMqtt,
  ) {}

  /** Not awaited: publishing waits for the MQTT connection, which another module's bootstrap makes. */
  onApplicationBootstrap(): void {
    void (async () => {
      for (const id of await this.repo.allApplianceIds()) await this.publishFor(id);
    })().catch((err: Error) => this.logger.error(`boot publication failed: ${err.message}`));
  }

  async publishForRooms(roomIds: string[]): Promise<void> {
    for (const id of await this.repo.appliancesInRooms(roomIds)) await this.publishFor(id);
  }

  republish(applianceId: string): Promise<void> {
    return this.publishFor(applianceId);
  }

  publishFor(applianceId: string): Promise<void> {
    const prev = this.chains.get(applianceId) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.publishNow(applianceId));
    this.chains.set(applianceId, next);
    void next.finally(() => {
      if (this.chains.get(applianceId) === next) this.chains.delete(applianceId);
    }).catch(() => undefined);
    return next;
  }

  private async publishNow(applianceId: string): Promise<void> {
    const found = await this.repo.desiredFor(applianceId);
    if (!found) return;
    const sessions = found.sessions.map(
      (s): RoomSession => ({
        sessionId: s.id,
        projectCode: s.projectCode,
        projectName: s.projectName,
        lots: s.lots,
        status: s.status as RoomSession['status'],
        startsAt: iso(s.startsAt),
        endsAt: iso(s.endsAt),
        checkInOpensAt: iso(s.checkInOpensAt),
        checkInClosesAt: iso(s.checkInClosesAt),
        idHashKey: s.idHashKey,
        roster: s.roster.map((e) => ({ expertRef: e.expertRef, idHash: e.idHash, role: e.role, ...(e.workstation ? { workstation: e.workstation } : {}) })),
      }),
    );
    // the version names the content: a republish of unchanged content keeps it
    const version = await this.repo.versionForContent(applianceId, contentHash(found.roomId, sessions));
    const doc: DesiredState = DesiredState.parse({ v: 1, applianceId, roomId: found.roomId, version, generatedAt: new Date().toISOString(), sessions });
    await this.mqtt.publish(cloudTopics.appliance(applianceId, 'desired'), doc, { retain: true, qos: 1 });
    this.logger.log(`desired state v${version} → ${applianceId} (${doc.sessions.length} sessions)`);
  }
}

const iso = (d: Date | string) => new Date(d).toISOString();

/** SHA-256 of the room and its sessions (key order as built above, so it is stable). */
export function contentHash(roomId: string, sessions: RoomSession[]): string {
  return createHash('sha256').update(JSON.stringify({ roomId, sessions })).digest('hex');
}
