import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module';
import { DesiredStateService } from './desired-state.service';
import { SessionsController } from './sessions.controller';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

@Module({
  imports: [DirectoryModule],
  controllers: [SessionsController],
  providers: [SessionsRepository, SessionsService, DesiredStateService],
  exports: [SessionsService, DesiredStateService],
})
export class SessionsModule {}
