import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, waitFor } from '../helpers/wait';

/** First slot of Debian's vpcd (reader.conf.d/vpcd, port 0x8C7B = 35963). */
export const VPCD_READER = 'Virtual PCD 00 00';
/** ATR of vicc's `iso7816` card. */
export const VICC_ATR = '3B9513810180' + '73FF01000B';

export interface Running {
  stop(): Promise<void>;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(3000).then(() => child.kill('SIGKILL'))]);
  await exited;
}

function readersVisible(): boolean {
  const r = spawnSync('pcsc_scan', ['-r'], { encoding: 'utf8', timeout: 3000 });
  return r.status === 0 && r.stdout.includes(VPCD_READER);
}

/** Starts `pcscd --foreground` unless one already serves the vpcd reader (then it is reused, never stopped). */
export async function startPcscd(): Promise<Running> {
  if (readersVisible()) return { stop: async () => {} };
  const child = spawn('pcscd', ['--foreground'], { stdio: 'ignore' });
  await waitFor(() => readersVisible(), 10_000, 'pcscd with the vpcd reader');
  return { stop: () => stopChild(child) };
}

let shim: string | undefined;
/** Debian's vicc imports `Crypto` (PyCrypto); python3-pycryptodome installs it as `Cryptodome`. */
function cryptoShim(): string {
  if (shim) return shim;
  const dir = mkdtempSync(join(tmpdir(), 'evalroom-vicc-'));
  mkdirSync(join(dir, 'Crypto'));
  writeFileSync(join(dir, 'Crypto', '__init__.py'), 'import sys, Cryptodome\nsys.modules[__name__] = Cryptodome\n');
  shim = dir;
  return dir;
}

/** Starts vicc (ISO 7816 card) connected to vpcd: the card appears in VPCD_READER. */
export async function startVicc(): Promise<Running> {
  const env = { ...process.env, PYTHONPATH: ['/usr/lib/python3/site-packages/virtualsmartcard', cryptoShim()].join(':') };
  const child = spawn('vicc', ['-t', 'iso7816', '-H', '127.0.0.1', '-P', '35963'], { env, stdio: 'ignore' });
  return { stop: () => stopChild(child) };
}
