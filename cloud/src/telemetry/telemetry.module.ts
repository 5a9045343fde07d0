import { Module } from '@nestjs/common';
import { TelemetryController } from './telemetry.controller';
import { TelemetryIngestService } from './telemetry-ingest.service';
import { TelemetryRepository } from './telemetry.repository';
import { TelemetryService } from './telemetry.service';

@Module({
  controllers: [TelemetryController],
  providers: [TelemetryRepository, TelemetryIngestService, TelemetryService],
  exports: [TelemetryIngestService, TelemetryService],
})
export class TelemetryModule {}
