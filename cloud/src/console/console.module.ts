import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { ConsoleAssets } from './console-assets';
import { ConsoleController } from './console.controller';
import { consoleStatic } from './console-static.middleware';

/** The web console for central ops and supervisors: static files at /console/ and GET /v1/console/me. */
@Module({ controllers: [ConsoleController] })
export class ConsoleModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(consoleStatic(ConsoleAssets.load()))
      .forRoutes({ path: 'console', method: RequestMethod.GET }, { path: 'console/{*path}', method: RequestMethod.GET }, { path: 'console/{*path}', method: RequestMethod.HEAD });
  }
}
