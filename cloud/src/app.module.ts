import { Module, type DynamicModule } from '@nestjs/common';
import type { CloudConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { DbModule } from './db/db.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CryptoModule } from './crypto/crypto.module';
import { MqttModule } from './mqtt/mqtt.module';
import { DirectoryModule } from './directory/directory.module';
import { SessionsModule } from './sessions/sessions.module';
import { AppliancesModule } from './appliances/appliances.module';
import { EventsModule } from './events/events.module';
import { TelemetryModule } from './telemetry/telemetry.module';
import { BookingsModule } from './bookings/bookings.module';
import { DrawModule } from './draw/draw.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { ReportsModule } from './reports/reports.module';
import { PlatformModule } from './platform/platform.module';
import { ConsoleModule } from './console/console.module';
import { ArchiveModule } from './archive/archive.module';
import { CaModule } from './ca/ca.module';

/**
 * Feature modules of the control plane. Add one line per module here.
 * Global infrastructure (Database, AuditService, CLOUD_CONFIG, AuthGuard) is available to all.
 */
const FEATURE_MODULES = [
  DbModule,
  AuditModule,
  AuthModule,
  CryptoModule,
  MqttModule,
  DirectoryModule,
  SessionsModule,
  AppliancesModule,
  EventsModule,
  TelemetryModule,
  BookingsModule,
  DrawModule,
  LifecycleModule,
  ReportsModule,
  PlatformModule,
  ConsoleModule,
  ArchiveModule,
  CaModule,
];

@Module({})
export class AppModule {
  static forRoot(config: CloudConfig): DynamicModule {
    return { module: AppModule, imports: [ConfigModule.forRoot(config), ...FEATURE_MODULES] };
  }
}
