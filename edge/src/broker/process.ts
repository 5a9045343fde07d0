import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from '../app/logger';
import type { FromBroker, ToBroker } from './protocol';

export interface RoomBrokerOptions {
  host: string;
  port: number;
  usersFile: string;
  logger: Logger;
  /** Restart the broker process if it dies (default true); clients reconnect to the same port. */
  restart?: boolean;
}

export interface RoomBroker {
  readonly url: string;
  readonly port: number;
  /** Pid of the current broker process (changes after a restart). */
  readonly pid: number;
  readonly restarts: number;
  stop(): Promise<void>;
}

/** The compiled child entry; under Jest (TypeScript sources) the built copy in dist is used. */
export function brokerChildPath(): string {
  const here = join(__dirname, 'child.js');
  if (existsSync(here)) return here;
  const built = resolve(__dirname, '../../dist/broker/child.js');
  if (existsSync(built)) return built;
  throw new Error(`room broker child not found (${here}); run the build (npx tsc -b tsconfig.build.json)`);
}

interface Running {
  child: ChildProcess;
  port: number;
  exited: Promise<void>;
}

function spawnBroker(opts: RoomBrokerOptions, port: number, log: Logger): Promise<Running> {
  const child: ChildProcess = fork(brokerChildPath(), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: ['--no-warnings'],
    serialization: 'json',
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.on('message', (m: FromBroker) => {
    if (m.type === 'log') log[m.level](m.msg, m.fields);
  });
  return new Promise<Running>((resolvePort, reject) => {
    const onMsg = (m: FromBroker): void => {
      if (m.type === 'ready') resolvePort({ child, port: m.port, exited });
      else if (m.type === 'failed') reject(new Error(`room broker failed to start: ${m.message}`));
    };
    child.on('message', onMsg);
    child.once('exit', (code) => reject(new Error(`room broker exited during start (code ${code})`)));
    child.send({ type: 'start', host: opts.host, port, usersFile: opts.usersFile } satisfies ToBroker);
  });
}

/**
 * Starts the room broker in its own process and resolves once it listens. If the process dies,
 * it is started again on the same port (devices and the core reconnect by themselves).
 */
export async function startRoomBroker(opts: RoomBrokerOptions): Promise<RoomBroker> {
  const log = opts.logger.child({ part: 'room-broker' });
  let current = await spawnBroker(opts, opts.port, log);
  const port = current.port;
  let stopping = false;
  let restarts = 0;

  const watch = (r: Running): void => {
    r.child.once('exit', (code, signal) => {
      if (stopping) return;
      log.error('room broker process exited; restarting', { code, signal });
      if (opts.restart === false) return;
      const again = (delay: number): void => {
        setTimeout(() => {
          if (stopping) return;
          spawnBroker(opts, port, log).then(
            (next) => {
              restarts++;
              current = next;
              log.info('room broker restarted', { port, pid: next.child.pid });
              watch(next);
            },
            (err: Error) => {
              log.error('room broker restart failed', { err: err.message });
              again(Math.min(delay * 2, 10_000));
            },
          );
        }, delay).unref();
      };
      again(200);
    });
  };
  watch(current);

  const host = opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  log.info('room broker listening', { port, pid: current.child.pid });
  return {
    url: `mqtt://${host}:${port}`,
    port,
    get pid() {
      return current.child.pid!;
    },
    get restarts() {
      return restarts;
    },
    async stop() {
      stopping = true;
      const { child, exited } = current;
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        child.send({ type: 'stop' } satisfies ToBroker);
      } catch {
        child.kill('SIGKILL');
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
