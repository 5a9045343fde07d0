import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module';
import { ArchiveController } from './archive.controller';
import { ArchiveRepository } from './archive.repository';
import { ArchiveService } from './archive.service';

/** Footage archive: write-once session evidence bundles handed over by appliances. */
@Module({
  imports: [SessionsModule],
  controllers: [ArchiveController],
  providers: [ArchiveRepository, ArchiveService],
  exports: [ArchiveService],
})
export class ArchiveModule {}
