import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { flashImage, FlashRefused, type FlashProgress, type FlashResult } from '../flash';
import type { FlashTarget } from '../flash/target';

const USAGE = `usage: evalroom flash --image IMG --device DEV [--sha256 HEX] [--yes] [--json]

Writes a raw appliance image to a disk (e.g. /dev/sdb, /dev/mmcblk0) and reads it back to prove
it. The image is checked first against --sha256 or IMG.sha256 when given. Refuses a mounted
device, the disk this system runs from, and an image larger than the device. Without --yes it
asks you to type the device path (and refuses when stdin is not a terminal).

exit codes: 0 written and verified, 1 verification failed, 2 usage error or refused`;

/** What the command talks to; tests pass their own streams and the verify hook. */
export interface FlashIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  beforeVerify?: (target: FlashTarget) => Promise<void>;
}

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

export async function main(argv: string[], io: FlashIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const err = (s: string) => io.stderr.write(`${s}\n`);
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        image: { type: 'string' },
        device: { type: 'string' },
        sha256: { type: 'string' },
        yes: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (e) {
    err(`evalroom flash: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const refuse = (reasons: string[]) => {
    for (const r of reasons) err(`evalroom flash: refused: ${r}`);
    if (values.json) io.stdout.write(JSON.stringify({ ok: false, refused: reasons }) + '\n');
    return 2;
  };
  if (!values.image || !values.device) {
    err(`evalroom flash: give --image and --device\n${USAGE}`);
    return 2;
  }
  if (!values.yes) {
    if (!io.stdin.isTTY) return refuse(['stdin is not a terminal: confirm with --yes']);
    if (!(await confirm(io, values.device))) return refuse(['not confirmed']);
  }

  let lastLine = 0;
  let lastPhase = '';
  const onProgress = (p: FlashProgress) => {
    const now = Date.now();
    if (p.phase === lastPhase && p.done < p.total && now - lastLine < 1000) return;
    lastLine = now;
    lastPhase = p.phase;
    const pct = ((100 * p.done) / p.total).toFixed(0).padStart(3);
    io.stderr.write(`${p.phase.padEnd(6)} ${pct}%  ${mib(p.done)} / ${mib(p.total)}${io.stderr.isTTY ? '\r' : '\n'}`);
    if (io.stderr.isTTY && p.done === p.total) io.stderr.write('\n');
  };

  let result: FlashResult;
  try {
    result = await flashImage({ image: values.image, device: values.device, sha256: values.sha256, onProgress, beforeVerify: io.beforeVerify });
  } catch (e) {
    if (e instanceof FlashRefused) return refuse(e.reasons);
    err(`evalroom flash: failed: ${(e as Error).message}`);
    if (values.json) io.stdout.write(JSON.stringify({ ok: false, error: (e as Error).message }) + '\n');
    return 1;
  }
  if (values.json) io.stdout.write(JSON.stringify({ ok: result.verified, ...result }) + '\n');
  if (!result.verified) {
    err(`evalroom flash: VERIFY FAILED on ${result.device}: read back ${result.readBackSha256}, image ${result.imageSha256}. Do not install this disk; flash again or replace the medium.`);
    return 1;
  }
  const rate = result.writeMs > 0 ? ` (${mib((result.bytes / result.writeMs) * 1000)}/s write)` : '';
  err(`evalroom flash: ${mib(result.bytes)} written to ${result.device} and verified, SHA-256 ${result.imageSha256}${rate}`);
  return 0;
}

async function confirm(io: FlashIo, device: string): Promise<boolean> {
  io.stderr.write(`This erases everything on ${device}. Type the device path to continue: `);
  const rl = createInterface({ input: io.stdin });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return answer.trim() === device;
  } finally {
    rl.close();
  }
}
