import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrokerToParent, ParentToBroker } from './broker-protocol';

export interface BrokerLog {
  log(m: string): void;
  warn(m: string): void;
  error(m: string): void;
}

/** Compiled entry of the broker child (from src/ under Jest, the build output is used). */
function brokerEntry(): string {
  const sibling = join(__dirname, 'broker-process.js');
  if (existsSync(sibling)) return sibling;
  const built = resolve(__dirname, '..', '..', 'dist', 'mqtt', 'broker-process.js');
  if (existsSync(built)) return built;
  throw new Error(`embedded broker not built (${built}): run npx tsc -b cloud`);
}

/** Parent-side handle of the aedes child process. */
export class EmbeddedBroker {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(opts: {
    host: string;
    port: number;
    service: { username: string; password: string };
    appliances: { id: string; secretHash: string }[];
    log: BrokerLog;
    onClient?: (clientId: string, connected: boolean) => void;
  }): Promise<EmbeddedBroker> {
    const child = fork(brokerEntry(), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    const port = await new Promise<number>((resolvePort, reject) => {
      const timer = setTimeout(() => reject(new Error('embedded broker did not start within 10 s')), 10_000);
      child.once('exit', (code) => reject(new Error(`embedded broker exited (${code})`)));
      child.on('message', (m: BrokerToParent) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolvePort(m.port);
        } else if (m.type === 'log') opts.log[m.level](m.message);
        else if (m.type === 'client') opts.onClient?.(m.clientId, m.connected);
      });
      const init: ParentToBroker = { type: 'init', host: opts.host, port: opts.port, service: opts.service, appliances: opts.appliances };
      child.send(init);
    });
    child.removeAllListeners('exit');
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGTERM') opts.log.error(`embedded broker exited unexpectedly (${code ?? signal})`);
    });
    return new EmbeddedBroker(child, port);
  }

  setCredential(id: string, secretHash: string | null): void {
    const m: ParentToBroker = { type: 'credential', id, secretHash };
    this.child.send(m);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise<void>((res) => {
      this.child.once('exit', () => res());
      this.child.kill('SIGTERM');
    });
  }
}
