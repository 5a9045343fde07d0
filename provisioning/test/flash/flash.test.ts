// `evalroom flash` against regular files standing in for disks, and against a real loop device:
// verified writes, corrupt images refused before writing, unsafe targets refused, and a target
// corrupted between write and verify detected.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { main, type FlashIo } from '../../src/cli/flash';
import { describeTarget, flashImage, FlashRefused, parseMountInfo, parseSha256File, refusalReasons, systemDisks, type FlashTarget } from '../../src/flash';

jest.setTimeout(60_000);
const run = promisify(execFile);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

class Sink extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}
function io(extra: Partial<FlashIo> = {}) {
  const stdin = Object.assign(new PassThrough(), { isTTY: false });
  const stdout = new Sink();
  const stderr = new Sink();
  return { stdin, stdout, stderr, ...extra } as FlashIo & { stdout: Sink; stderr: Sink };
}

let work: string;
let image: string;
let imageBytes: Buffer;
const MiB = 1024 * 1024;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'evalroom-flash-'));
  image = path.join(work, 'appliance.img');
  imageBytes = randomBytes(5 * MiB + 12_345); // not a multiple of the chunk size: the tail is written too
  await writeFile(image, imageBytes);
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function blankDisk(name: string, size: number, fill = 0xaa): Promise<string> {
  const file = path.join(work, name);
  await writeFile(file, Buffer.alloc(size, fill));
  return file;
}

describe('mountinfo and checksum files', () => {
  it('parses mount points, devices and sources, with escaped spaces and optional fields', () => {
    const m = parseMountInfo(
      [
        '27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard',
        '42 27 7:3 / /media/usb\\040stick rw,relatime shared:5 master:1 - vfat /dev/loop3 rw',
        'garbage line',
        '50 27 0:44 / /tmp rw - tmpfs tmpfs rw',
      ].join('\n'),
    );
    expect(m.map((e) => [e.dev, e.mountPoint, e.fsType, e.source])).toEqual([
      ['254:0', '/', 'ext4', '/dev/vda'],
      ['7:3', '/media/usb stick', 'vfat', '/dev/loop3'],
      ['0:44', '/tmp', 'tmpfs', 'tmpfs'],
    ]);
    expect(parseSha256File(`${'AB'.repeat(32)}  appliance.img\n`)).toBe('ab'.repeat(32));
    expect(parseSha256File('not a digest')).toBeUndefined();
  });
});

describe('flash to a file standing in for a disk', () => {
  it('writes the image, leaves the rest of the disk alone, reads it back and reports it verified (exit 0)', async () => {
    const disk = await blankDisk('disk-ok.bin', 8 * MiB);
    const t = io();
    expect(await main(['--image', image, '--device', disk, '--yes', '--json'], t)).toBe(0);
    const out = JSON.parse(t.stdout.text);
    expect(out).toMatchObject({ ok: true, verified: true, targetKind: 'file', bytes: imageBytes.length, deviceSize: 8 * MiB, imageSha256: sha(imageBytes) });
    expect(out.readBackSha256).toBe(sha(imageBytes));
    const written = await readFile(disk);
    expect(written.length).toBe(8 * MiB);
    expect(written.subarray(0, imageBytes.length).equals(imageBytes)).toBe(true);
    expect(written.subarray(imageBytes.length).every((b) => b === 0xaa)).toBe(true);
    expect(t.stderr.text).toMatch(/^write +100%/m);
    expect(t.stderr.text).toMatch(/^verify +100%/m);
    expect(t.stderr.text).toMatch(/written to .* and verified/);
  });

  it('checks the image against IMG.sha256 before writing, and refuses a corrupt image without touching the disk (exit 2)', async () => {
    const good = path.join(work, 'good.img');
    await writeFile(good, imageBytes);
    await writeFile(`${good}.sha256`, `${sha(imageBytes)}  good.img\n`);
    const disk = await blankDisk('disk-sha.bin', 8 * MiB);
    const r = await flashImage({ image: good, device: disk });
    expect([r.verified, r.expectedFrom]).toEqual([true, 'sha256-file']);

    const corrupt = path.join(work, 'corrupt.img');
    const bad = Buffer.from(imageBytes);
    bad[1234] = bad[1234]! ^ 0x01; // one flipped bit
    await writeFile(corrupt, bad);
    await writeFile(`${corrupt}.sha256`, `${sha(imageBytes)}  corrupt.img\n`);
    const untouched = await blankDisk('disk-corrupt.bin', 8 * MiB);
    const t = io();
    expect(await main(['--image', corrupt, '--device', untouched, '--yes'], t)).toBe(2);
    expect(t.stderr.text).toMatch(/refused: image is corrupt: SHA-256 [0-9a-f]{64}, expected/);
    expect((await readFile(untouched)).every((b) => b === 0xaa)).toBe(true);

    const t2 = io();
    expect(await main(['--image', image, '--device', untouched, '--yes', '--sha256', 'ab'.repeat(32)], t2)).toBe(2);
    expect(t2.stderr.text).toMatch(/image is corrupt.*--sha256/);
    expect((await readFile(untouched)).every((b) => b === 0xaa)).toBe(true);
  });

  it('refuses an image larger than the disk, a missing --yes without a terminal, and bad arguments (exit 2)', async () => {
    const small = await blankDisk('disk-small.bin', 4 * MiB);
    const t = io();
    expect(await main(['--image', image, '--device', small, '--yes', '--json'], t)).toBe(2);
    expect(JSON.parse(t.stdout.text).refused).toEqual([`image (${imageBytes.length} bytes) is larger than ${small} (${4 * MiB} bytes)`]);

    const disk = await blankDisk('disk-noyes.bin', 8 * MiB);
    const t2 = io();
    expect(await main(['--image', image, '--device', disk], t2)).toBe(2);
    expect(t2.stderr.text).toMatch(/stdin is not a terminal: confirm with --yes/);
    expect((await readFile(disk)).every((b) => b === 0xaa)).toBe(true);

    // at a terminal, the technician must type the device path
    const tty = io();
    (tty.stdin as PassThrough & { isTTY: boolean }).isTTY = true;
    (tty.stdin as PassThrough).end('/dev/sdz\n');
    expect(await main(['--image', image, '--device', disk], tty)).toBe(2);
    expect(tty.stderr.text).toMatch(/refused: not confirmed/);
    const ok = io();
    (ok.stdin as PassThrough & { isTTY: boolean }).isTTY = true;
    (ok.stdin as PassThrough).end(`${disk}\n`);
    expect(await main(['--image', image, '--device', disk], ok)).toBe(0);

    expect(await main(['--image', image], io())).toBe(2);
    expect(await main(['--bogus'], io())).toBe(2);
    expect(await main(['--image', path.join(work, 'nope.img'), '--device', disk, '--yes'], io())).toBe(2);
  });

  it('detects a disk corrupted between write and verify (exit 1)', async () => {
    const disk = await blankDisk('disk-rot.bin', 8 * MiB);
    const corrupt = async (target: FlashTarget) => {
      const h = await open(target.path, 'r+');
      await h.write(Buffer.from([0x00, 0xff, 0x00]), 0, 3, 3 * MiB + 7);
      await h.sync();
      await h.close();
    };
    const t = io({ beforeVerify: corrupt });
    expect(await main(['--image', image, '--device', disk, '--yes', '--json'], t)).toBe(1);
    const out = JSON.parse(t.stdout.text);
    expect(out.ok).toBe(false);
    expect(out.verified).toBe(false);
    expect(out.imageSha256).toBe(sha(imageBytes));
    expect(out.readBackSha256).not.toBe(out.imageSha256);
    expect(t.stderr.text).toMatch(/VERIFY FAILED/);
  });
});

describe('flash to a real block device (loop)', () => {
  const attached: string[] = [];
  const mounted: string[] = [];
  let loop: string | undefined;
  let backing: string;
  let loopUnavailable: string | undefined;

  beforeAll(async () => {
    backing = path.join(work, 'loop-backing.bin');
    await writeFile(backing, Buffer.alloc(16 * MiB, 0x55));
    try {
      loop = (await run('losetup', ['-f', '--show', backing])).stdout.trim();
      attached.push(loop);
    } catch (err) {
      loopUnavailable = (err as Error).message;
    }
  });
  afterAll(async () => {
    for (const m of mounted) await run('umount', [m]).catch(() => undefined);
    for (const l of attached) await run('losetup', ['-d', l]).catch(() => undefined);
  });

  it('writes and verifies through the block layer, with the size read from the kernel', async () => {
    if (!loop) {
      // Without loop devices (no losetup, no /dev/loop-control) only the block-device size and
      // the block cache flush go untested: every other path ran against files above.
      expect(loopUnavailable).toEqual(expect.any(String));
      process.stderr.write(`NOTE: loop device unavailable (${loopUnavailable}); block-device size and cache flush not exercised\n`);
      return;
    }
    const target = await describeTarget(loop);
    expect(target).toMatchObject({ kind: 'block', size: 16 * MiB });
    const progress: string[] = [];
    const r = await flashImage({ image, device: loop, onProgress: (p) => progress.push(p.phase) });
    expect(r).toMatchObject({ verified: true, targetKind: 'block', deviceSize: 16 * MiB, cacheFlushed: true, readBackSha256: sha(imageBytes) });
    expect(new Set(progress)).toEqual(new Set(['write', 'verify']));
    const onDisk = await readFile(backing);
    expect(onDisk.subarray(0, imageBytes.length).equals(imageBytes)).toBe(true);
    expect(onDisk.subarray(imageBytes.length).every((b) => b === 0x55)).toBe(true);

    // an image one sector larger than the device is refused
    const big = path.join(work, 'big.img');
    await writeFile(big, Buffer.alloc(16 * MiB + 512, 1));
    await expect(flashImage({ image: big, device: loop })).rejects.toThrow(/larger than/);
    // the loop's backing file cannot be flashed behind the loop device's back
    await expect(flashImage({ image, device: backing })).rejects.toThrow(new RegExp(`backs loop device ${loop}`));
  });

  it('detects corruption of the medium between write and verify (read-back bypasses the cache)', async () => {
    if (!loop) return expect(loopUnavailable).toEqual(expect.any(String));
    const t = io({
      beforeVerify: async () => {
        // change the medium underneath: write the backing file, not the loop device
        const h = await open(backing, 'r+');
        await h.write(Buffer.from('rot'), 0, 3, 1 * MiB + 100);
        await h.sync();
        await h.close();
      },
    });
    expect(await main(['--image', image, '--device', loop, '--yes', '--json'], t)).toBe(1);
    expect(JSON.parse(t.stdout.text)).toMatchObject({ verified: false, cacheFlushed: true });
  });

  it('refuses a mounted device and the disk the system runs from', async () => {
    if (!loop) return expect(loopUnavailable).toEqual(expect.any(String));
    await run('mkfs.ext4', ['-q', '-F', loop]);
    const mnt = path.join(work, 'mnt');
    await mkdir(mnt);
    await run('mount', [loop, mnt]);
    mounted.push(mnt);
    const before = sha(await readFile(backing));
    const t = io();
    expect(await main(['--image', image, '--device', loop, '--yes'], t)).toBe(2);
    expect(t.stderr.text).toContain(`refused: ${loop} is mounted on ${mnt}`);
    expect(sha(await readFile(backing))).toBe(before);
    await run('umount', [mnt]);
    mounted.pop();

    // the same device seen as the root file system's disk (a /proc stand-in; /sys and /dev are real)
    const fakeProc = path.join(work, 'proc');
    await mkdir(path.join(fakeProc, 'self'), { recursive: true });
    const target = await describeTarget(loop);
    if (target.kind !== 'block') throw new Error('loop is not a block device');
    await writeFile(path.join(fakeProc, 'self', 'mountinfo'), `27 1 ${target.self.dev} / / rw,relatime - ext4 ${loop} rw\n`);
    await writeFile(path.join(fakeProc, 'swaps'), 'Filename Type Size Used Priority\n');
    const reasons = await refusalReasons(target, { proc: fakeProc, sys: '/sys', dev: '/dev' });
    expect(reasons).toContain(`${loop} is on ${path.basename(loop)}, the disk this system runs from`);
    await expect(flashImage({ image, device: loop, sys: { proc: fakeProc, sys: '/sys', dev: '/dev' } })).rejects.toBeInstanceOf(FlashRefused);
  });
});

describe('the disk this machine runs from', () => {
  it('is refused (checked only: nothing is opened for writing)', async () => {
    const [root] = await systemDisks(parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8')));
    if (!root) {
      // root on overlay/tmpfs (a container): there is no root disk to protect; the loop test above covers the logic
      expect(root).toBeUndefined();
      return;
    }
    const target = await describeTarget(path.join('/dev', root.name));
    expect(await refusalReasons(target)).toContain(`/dev/${root.name} is on ${root.name}, the disk this system runs from`);
  });
});

describe('`npx evalroom flash` as a process', () => {
  const bin = path.resolve(__dirname, '..', '..', '..', 'bin', 'evalroom.js');
  const cli = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, 'flash', ...args], (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });

  it('exits 2 without --yes when stdin is not a terminal, 0 once written and verified', async () => {
    const disk = await blankDisk('disk-proc.bin', 8 * MiB);
    const refused = await cli(['--image', image, '--device', disk]);
    expect([refused.code, refused.stderr]).toEqual([2, expect.stringMatching(/confirm with --yes/)]);
    const ok = await cli(['--image', image, '--device', disk, '--yes', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, verified: true, imageSha256: sha(imageBytes) });
  });
});
