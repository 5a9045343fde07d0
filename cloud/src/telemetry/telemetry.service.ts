import { ForbiddenException, Inject, Injectable, Logger, NotFoundException, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { TelemetryPoint, TelemetryQuery } from '@evalroom/contracts';
import type { Caller } from '../auth/caller';
import { canSeeVenue } from '../auth/scope';
import { CLOUD_CONFIG, type CloudConfig } from '../config/config';
import { TelemetryIngestService } from './telemetry-ingest.service';
import { DAY_MS, TelemetryRepository, utcDay } from './telemetry.repository';

/** Dashboard queries, partitions created ahead, retention by dropping partitions. */
@Injectable()
export class TelemetryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TelemetryStore');
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(TelemetryRepository) private readonly repo: TelemetryRepository,
    @Inject(TelemetryIngestService) private readonly ingest: TelemetryIngestService,
    @Inject(CLOUD_CONFIG) private readonly config: CloudConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.maintain();
    this.timer = setInterval(() => void this.maintain().catch((e: Error) => this.logger.warn(`maintenance: ${e.message}`)), 3_600_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Partitions for yesterday … 3 days ahead; drops those past retention. */
  async maintain(now = Date.now()): Promise<string[]> {
    const today = utcDay(now);
    await this.repo.ensurePartitions([-1, 0, 1, 2, 3].map((d) => today + d * DAY_MS));
    const dropped = await this.repo.dropBefore(new Date(now - this.config.telemetryRetentionDays * DAY_MS));
    if (dropped.length) this.logger.log(`retention: dropped ${dropped.join(', ')}`);
    return dropped;
  }

  async query(q: TelemetryQuery, caller: Caller): Promise<TelemetryPoint[]> {
    const scope = await this.repo.applianceScope(q.applianceId);
    if (!scope) throw new NotFoundException(`no appliance ${q.applianceId}`);
    const scoped = caller.role === 'technician' || (caller.role === 'central_ops' && (caller.venueIds.length > 0 || !!caller.jurisdiction));
    if (scoped && !canSeeVenue(caller, { id: scope.venueId, regionCode: scope.regionCode })) throw new ForbiddenException('appliance outside your scope');
    if (q.bucket !== 'raw') {
      await this.ingest.flush();
      await this.ingest.refreshRollups();
    }
    const rows = await this.repo.series({ ...q, from: new Date(q.from), to: new Date(q.to) });
    return rows.map((r) => ({ ts: new Date(r.ts).toISOString(), count: Number(r.count), avg: Number(r.avg), min: Number(r.min), max: Number(r.max) }));
  }
}
