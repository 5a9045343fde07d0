import 'reflect-metadata';
import { Logger, type INestApplication, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import { CloudMqtt } from './mqtt/cloud-mqtt';
import type { CloudConfig } from './config/config';

export interface RunningCloud {
  app: INestApplication;
  httpUrl: string;
  mqttUrl: string;
  close(): Promise<void>;
}

/** Builds and starts the whole control plane; used by main.ts and by tests. */
export async function startCloud(config: CloudConfig, opts: { logger?: LoggerService | false } = {}): Promise<RunningCloud> {
  const app = await NestFactory.create(AppModule.forRoot(config), { logger: opts.logger ?? new Logger(), abortOnError: false });
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('evalroom cloud').setVersion('v1').addBearerAuth().build(),
  );
  SwaggerModule.setup('api/docs', app, doc, { jsonDocumentUrl: 'api/docs-json' });
  await app.listen(config.port, config.host);
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return {
    app,
    httpUrl: `http://${config.host}:${port}`,
    mqttUrl: app.get(CloudMqtt).url,
    close: async () => {
      await app.close();
    },
  };
}
