#!/usr/bin/env node
/**
 * The appliance process: `node edge/dist/main.js --config FILE` (or EVALROOM_EDGE_CONFIG).
 * Prints exactly one line on stdout when ready:
 *   EVALROOM_READY {"http":"http://127.0.0.1:PORT","broker":"mqtt://127.0.0.1:PORT"}
 * Logs go to stderr as JSON lines. Exit codes: 0 clean stop, 1 runtime failure, 2 bad config/usage.
 */
import { startApp, type EdgeApp } from './app/app';
import { createLogger, type LogLevel } from './app/logger';
import { ConfigError, loadConfigFile } from './config/load';

export function parseArgs(argv: string[]): { config?: string; help: boolean } {
  const out: { config?: string; help: boolean } = { help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config' || a === '-c') out.config = argv[++i];
    else if (a.startsWith('--config=')) out.config = a.slice('--config='.length);
    else if (a === '--help' || a === '-h') out.help = true;
    else throw new ConfigError(`unknown argument ${a}`);
  }
  return out;
}

/** How long a stop may take before the process gives up waiting and exits with 1. */
const STOP_DEADLINE_MS = 10_000;

/**
 * Runs the appliance until SIGINT/SIGTERM; resolves the exit code. The signal handlers are in
 * place before anything starts, so a stop asked for during start-up waits for the start and then
 * stops in order (a service manager's SIGTERM never leaves a half-started appliance behind).
 */
export async function main(argv: string[]): Promise<number> {
  const logger = createLogger({ level: (process.env.EVALROOM_LOG_LEVEL as LogLevel | undefined) ?? 'info' });
  let signalled: string | undefined;
  let onSignal: ((signal: string) => void) | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (signalled) return; // a second Ctrl-C (or the group's SIGTERM after SIGINT) changes nothing
    signalled = signal;
    onSignal?.(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  const release = (): void => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };

  let app: EdgeApp;
  try {
    const args = parseArgs(argv);
    if (args.help) {
      process.stderr.write('usage: evalroom-edge --config FILE   (or EVALROOM_EDGE_CONFIG=FILE)\n');
      release();
      return 0;
    }
    const file = args.config ?? process.env.EVALROOM_EDGE_CONFIG;
    if (!file) throw new ConfigError('no config: pass --config FILE or set EVALROOM_EDGE_CONFIG');
    const loaded = loadConfigFile(file);
    app = await startApp({ loaded, logger, firmware: process.env.EVALROOM_FIRMWARE });
  } catch (err) {
    release();
    if (err instanceof ConfigError) {
      process.stderr.write(`evalroom-edge: ${err.message}\n`);
      return 2;
    }
    logger.error('appliance failed to start', { err: (err as Error).message });
    return 1;
  }
  if (!signalled) process.stdout.write(`EVALROOM_READY ${JSON.stringify({ http: app.httpUrl, broker: app.brokerUrl })}\n`);
  return new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      logger.info('stopping', { signal });
      const deadline = setTimeout(() => {
        logger.error('stop took too long; exiting', { ms: STOP_DEADLINE_MS });
        resolve(1);
      }, STOP_DEADLINE_MS);
      deadline.unref();
      app.stop().then(
        () => {
          clearTimeout(deadline);
          release();
          resolve(0);
        },
        (err: Error) => {
          clearTimeout(deadline);
          logger.error('stop failed', { err: err.message });
          release();
          resolve(1);
        },
      );
    };
    if (signalled) stop(signalled);
    else onSignal = stop;
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`evalroom-edge: ${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
}
