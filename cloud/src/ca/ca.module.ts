import { Logger, Module } from '@nestjs/common';
import { CLOUD_CONFIG, type CloudConfig } from '../config/config';
import { CA_MATERIAL, loadOrCreateCa } from './ca-material';
import { CaController } from './ca.controller';
import { CaRepository } from './ca.repository';
import { CaService } from './ca.service';

/** The appliance CA: key from EVALROOM_CA_KEY_FILE/EVALROOM_CA_CERT_FILE or generated into `<dataDir>/ca`. */
@Module({
  controllers: [CaController],
  providers: [
    {
      provide: CA_MATERIAL,
      inject: [CLOUD_CONFIG],
      useFactory: (config: CloudConfig) => {
        const ca = loadOrCreateCa({ dataDir: config.dataDir, env: process.env });
        new Logger('CA').log(`appliance CA (${ca.source}): ${ca.certificate.subject.replace(/\n/g, ', ')}, valid until ${ca.notAfter.toISOString()}`);
        return ca;
      },
    },
    CaRepository,
    CaService,
  ],
  exports: [CaService],
})
export class CaModule {}
