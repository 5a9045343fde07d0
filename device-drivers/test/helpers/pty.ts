import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait';

export interface PtyPair {
  a: string;
  b: string;
  close(): Promise<void>;
}

/** A connected pseudo-terminal pair from socat: bytes written to one end come out of the other. */
export async function openPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'evalroom-pty-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const child: ChildProcess = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(() => existsSync(a) && existsSync(b) && /starting data transfer loop/.test(stderr), 5000, `socat ptys (${stderr})`);
  return {
    a,
    b,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
