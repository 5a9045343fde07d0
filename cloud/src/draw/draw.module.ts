import { Module } from '@nestjs/common';
import { BookingsModule } from '../bookings/bookings.module';
import { CryptoModule } from '../crypto/crypto.module';
import { RulesModule } from '../rules/rules.module';
import { DrawController } from './draw.controller';
import { DrawRepository } from './draw.repository';
import { DrawService } from './draw.service';

@Module({
  imports: [RulesModule, BookingsModule, CryptoModule],
  controllers: [DrawController],
  providers: [DrawRepository, DrawService],
  exports: [DrawService],
})
export class DrawModule {}
