import { Module } from '@nestjs/common';
import { BookingsModule } from '../bookings/bookings.module';
import { CryptoModule } from '../crypto/crypto.module';
import { ReportsModule } from '../reports/reports.module';
import { RulesModule } from '../rules/rules.module';
import { PlatformController } from './platform.controller';
import { PlatformRepository } from './platform.repository';
import { WebhooksService } from './webhooks.service';

@Module({
  imports: [RulesModule, BookingsModule, CryptoModule, ReportsModule],
  controllers: [PlatformController],
  providers: [PlatformRepository, WebhooksService],
  exports: [WebhooksService],
})
export class PlatformModule {}
