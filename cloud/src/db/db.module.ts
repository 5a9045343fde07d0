import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { CLOUD_CONFIG, type CloudConfig } from '../config/config';
import { Database } from './database';
import { runMigrations } from './migrator';

@Injectable()
class DatabaseCloser implements OnApplicationShutdown {
  constructor(@Inject(Database) private readonly db: Database) {}
  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}

/** Provides the migrated `Database` to every module (global). */
@Global()
@Module({
  providers: [
    {
      provide: Database,
      inject: [CLOUD_CONFIG],
      useFactory: async (config: CloudConfig) => {
        const db = await Database.connect({ databaseUrl: config.databaseUrl, dataDir: join(config.dataDir, 'pglite') });
        const logger = new Logger('Migrations');
        await runMigrations(db, config.migrationsDir, { log: (m) => logger.log(m) });
        return db;
      },
    },
    DatabaseCloser,
  ],
  exports: [Database],
})
export class DbModule {}
