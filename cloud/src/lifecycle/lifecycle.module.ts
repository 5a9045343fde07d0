import { Module } from '@nestjs/common';
import { DrawModule } from '../draw/draw.module';
import { SessionsModule } from '../sessions/sessions.module';
import { LifecycleController } from './lifecycle.controller';
import { LifecycleRepository } from './lifecycle.repository';
import { LifecycleService } from './lifecycle.service';

@Module({
  imports: [DrawModule, SessionsModule],
  controllers: [LifecycleController],
  providers: [LifecycleRepository, LifecycleService],
  exports: [LifecycleService],
})
export class LifecycleModule {}
