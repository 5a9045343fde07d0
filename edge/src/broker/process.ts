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
}

export interface RoomBroker {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
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

/** Starts the room broker in its own process and resolves once it listens. */
export async function startRoomBroker(opts: RoomBrokerOptions): Promise<RoomBroker> {
  const log = opts.logger.child({ part: 'room-broker' });
  const child: ChildProcess = fork(brokerChildPath(), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: ['--no-warnings'],
    serialization: 'json',
  });
  let exited = false;
  const exitedP = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  child.on('message', (m: FromBroker) => {
    if (m.type === 'log') log[m.level](m.msg, m.fields);
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    const onMsg = (m: FromBroker): void => {
      if (m.type === 'ready') resolvePort(m.port);
      else if (m.type === 'failed') reject(new Error(`room broker failed to start: ${m.message}`));
    };
    child.on('message', onMsg);
    child.once('exit', (code) => reject(new Error(`room broker exited during start (code ${code})`)));
    child.send({ type: 'start', host: opts.host, port: opts.port, usersFile: opts.usersFile } satisfies ToBroker);
  });
  child.on('exit', (code, signal) => {
    if (!stopping) log.error('room broker process exited', { code, signal });
  });
  let stopping = false;
  const host = opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  log.info('room broker listening', { port, pid: child.pid });
  return {
    url: `mqtt://${host}:${port}`,
    port,
    pid: child.pid!,
    async stop() {
      if (exited) return;
      stopping = true;
      child.send({ type: 'stop' } satisfies ToBroker);
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exitedP;
      clearTimeout(timer);
    },
  };
}
