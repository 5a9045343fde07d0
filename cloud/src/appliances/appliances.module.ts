import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module';
import { SessionsModule } from '../sessions/sessions.module';
import { AppliancesController } from './appliances.controller';
import { AppliancesRepository } from './appliances.repository';
import { AppliancesService } from './appliances.service';

@Module({
  imports: [SessionsModule, DirectoryModule],
  controllers: [AppliancesController],
  providers: [AppliancesRepository, AppliancesService],
  exports: [AppliancesService],
})
export class AppliancesModule {}
