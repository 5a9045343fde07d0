import 'reflect-metadata';
import { ConsoleLogger, Logger, type LogLevel } from '@nestjs/common';
import { ConfigError, loadConfig } from './config/config';
import { startCloud } from './server';

/** Logs go to stderr: stdout carries exactly one line, EVALROOM_READY, for the supervisor. */
class StderrLogger extends ConsoleLogger {
  protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel, _stream?: 'stdout' | 'stderr', errorStack?: unknown): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack);
  }
}

/** `node cloud/dist/main.js`: validates env, starts everything, prints one EVALROOM_READY line. */
async function main(): Promise<void> {
  const rootLogger = new StderrLogger();
  Logger.overrideLogger(rootLogger);
  const logger = new Logger('evalroom-cloud');
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (config.adminTokenFile) logger.log(`admin token (generated) is in ${config.adminTokenFile}`);
  const cloud = await startCloud(config, { logger: rootLogger });
  process.stdout.write(`EVALROOM_READY ${JSON.stringify({ http: cloud.httpUrl, mqtt: cloud.mqttUrl })}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: shutting down`);
    cloud.close().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error(`shutdown failed: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: Error) => {
  process.stderr.write(`evalroom cloud failed to start: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
