import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface TestBroker {
  url: string;
  close(): Promise<void>;
}

/** An aedes broker on an ephemeral port in a child process; `users` turns authentication on. */
export async function startTestBroker(users?: Record<string, string>): Promise<TestBroker> {
  const child = spawn(process.execPath, [join(__dirname, 'aedes-child.mjs')], {
    env: { ...process.env, ...(users ? { USERS: JSON.stringify(users) } : {}) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"port":(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`test broker exited with ${code}`)));
  });
  return {
    url: `mqtt://127.0.0.1:${port}`,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
