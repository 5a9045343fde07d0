import { Global, Module, type DynamicModule } from '@nestjs/common';
import { CLOUD_CONFIG, type CloudConfig } from './config';

/** Makes the validated CloudConfig injectable everywhere as `@Inject(CLOUD_CONFIG)`. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: CloudConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: CLOUD_CONFIG, useValue: config }], exports: [CLOUD_CONFIG] };
  }
}
