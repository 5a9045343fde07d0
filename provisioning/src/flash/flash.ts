import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { refusalReasons } from './safety';
import { describeTarget, LINUX, TargetError, type FlashTarget, type SystemPaths } from './target';

const run = promisify(execFile);

/** 4 MiB: large enough that syscalls do not dominate, a multiple of every sector and page size. */
export const DEFAULT_CHUNK = 4 * 1024 * 1024;
/** fsync this often while writing, so a slow medium shows real progress instead of a full page cache. */
const SYNC_EVERY = 64 * 1024 * 1024;

export type FlashPhase = 'check' | 'write' | 'verify';
export interface FlashProgress {
  phase: FlashPhase;
  done: number;
  total: number;
}

export interface FlashOptions {
  image: string;
  device: string;
  /** Expected SHA-256 (hex) of the image; otherwise `<image>.sha256` if it exists. */
  sha256?: string;
  chunkSize?: number;
  onProgress?: (p: FlashProgress) => void;
  /** Test seam: runs after the write is synced, before reading it back. */
  beforeVerify?: (target: FlashTarget) => Promise<void>;
  sys?: SystemPaths;
}

export interface FlashResult {
  verified: boolean;
  image: string;
  device: string;
  targetKind: FlashTarget['kind'];
  bytes: number;
  deviceSize: number;
  imageSha256: string;
  /** SHA-256 of the first `bytes` bytes read back from the device. */
  readBackSha256: string;
  /** Where the expected digest came from, if one was checked before writing. */
  expectedFrom?: 'option' | 'sha256-file';
  /** Whether the read-back bypassed the block layer's cache (`blockdev --flushbufs`). */
  cacheFlushed: boolean;
  writeMs: number;
  verifyMs: number;
}

/** The flash was not started: unsafe target, bad image, bad arguments. Nothing was written. */
export class FlashRefused extends Error {
  constructor(readonly reasons: string[]) {
    super(reasons.join('; '));
    this.name = 'FlashRefused';
  }
}

/** `HEX` or `HEX  filename` (sha256sum format); first line. */
export function parseSha256File(text: string): string | undefined {
  const m = /^\s*([0-9a-fA-F]{64})\b/.exec(text);
  return m?.[1]?.toLowerCase();
}

async function expectedDigest(opts: FlashOptions): Promise<{ hex: string; from: 'option' | 'sha256-file' } | undefined> {
  if (opts.sha256 !== undefined) {
    if (!/^[0-9a-fA-F]{64}$/.test(opts.sha256)) throw new FlashRefused([`--sha256 must be 64 hex digits`]);
    return { hex: opts.sha256.toLowerCase(), from: 'option' };
  }
  let text: string;
  try {
    text = await readFile(`${opts.image}.sha256`, 'utf8');
  } catch {
    return undefined;
  }
  const hex = parseSha256File(text);
  if (!hex) throw new FlashRefused([`${opts.image}.sha256 holds no SHA-256 digest`]);
  return { hex, from: 'sha256-file' };
}

/** Reads [0, length) of a file in chunks into `each`; returns the SHA-256. */
async function hashRange(handle: FileHandle, length: number, chunk: number, each?: (buf: Buffer, pos: number) => Promise<void>, progress?: (done: number) => void): Promise<string> {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(chunk);
  for (let pos = 0; pos < length; ) {
    const want = Math.min(chunk, length - pos);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await handle.read(buf, got, want - got, pos + got);
      if (bytesRead === 0) throw new Error(`unexpected end of data at byte ${pos + got} of ${length}`);
      got += bytesRead;
    }
    const view = buf.subarray(0, want);
    hash.update(view);
    if (each) await each(view, pos);
    pos += want;
    progress?.(pos);
  }
  return hash.digest('hex');
}

/**
 * Writes a raw image to a block device (or a regular file standing in for one) and proves it:
 * refuses unsafe targets and corrupt images before writing anything, writes in aligned chunks
 * with fsync, then reads the written range back and compares SHA-256 with the image's.
 */
export async function flashImage(opts: FlashOptions): Promise<FlashResult> {
  const chunk = opts.chunkSize ?? DEFAULT_CHUNK;
  if (chunk <= 0 || chunk % 4096 !== 0) throw new FlashRefused([`chunk size must be a positive multiple of 4096`]);
  const sys = opts.sys ?? LINUX;
  const progress = (phase: FlashPhase, total: number) => (done: number) => opts.onProgress?.({ phase, done, total });

  let imageStat;
  try {
    imageStat = await stat(opts.image);
  } catch (err) {
    throw new FlashRefused([`image ${opts.image}: ${(err as Error).message}`]);
  }
  if (!imageStat.isFile()) throw new FlashRefused([`image ${opts.image} is not a regular file`]);
  const bytes = imageStat.size;
  if (bytes === 0) throw new FlashRefused([`image ${opts.image} is empty`]);

  let target: FlashTarget;
  try {
    target = await describeTarget(opts.device, sys);
  } catch (err) {
    if (err instanceof TargetError) throw new FlashRefused([err.message]);
    throw err;
  }
  const reasons = await refusalReasons(target, sys);
  if (bytes > target.size) reasons.push(`image (${bytes} bytes) is larger than ${opts.device} (${target.size} bytes)`);
  const expected = await expectedDigest(opts);
  if (reasons.length) throw new FlashRefused(reasons);

  const image = await open(opts.image, 'r');
  try {
    if (expected) {
      const actual = await hashRange(image, bytes, chunk, undefined, progress('check', bytes));
      if (actual !== expected.hex) {
        throw new FlashRefused([`image is corrupt: SHA-256 ${actual}, expected ${expected.hex} (${expected.from === 'option' ? '--sha256' : `${opts.image}.sha256`})`]);
      }
    }

    // O_EXCL on a block device: the kernel refuses (EBUSY) if anything mounted or claimed it since the checks
    const flags = fsc.O_WRONLY | (target.kind === 'block' ? fsc.O_EXCL : 0);
    const writeStarted = Date.now();
    let out: FileHandle;
    try {
      out = await open(opts.device, flags);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new FlashRefused([e.code === 'EBUSY' ? `${opts.device} is in use (EBUSY)` : `${opts.device}: ${e.message}`]);
    }
    let imageSha256: string;
    try {
      let sinceSync = 0;
      imageSha256 = await hashRange(
        image,
        bytes,
        chunk,
        async (buf, pos) => {
          for (let off = 0; off < buf.length; ) {
            const { bytesWritten } = await out.write(buf, off, buf.length - off, pos + off);
            off += bytesWritten;
          }
          sinceSync += buf.length;
          if (sinceSync >= SYNC_EVERY) {
            await out.sync();
            sinceSync = 0;
          }
        },
        progress('write', bytes),
      );
      await out.sync();
    } finally {
      await out.close();
    }
    const writeMs = Date.now() - writeStarted;
    // the image changed on disk between the check and the write: what we wrote is not what was checked
    if (expected && imageSha256 !== expected.hex) throw new Error(`image changed while it was being written (SHA-256 ${imageSha256})`);

    await opts.beforeVerify?.(target);
    const cacheFlushed = target.kind === 'block' ? await flushBlockCache(opts.device) : false;
    const verifyStarted = Date.now();
    const back = await open(opts.device, 'r');
    let readBackSha256: string;
    try {
      readBackSha256 = await hashRange(back, bytes, chunk, undefined, progress('verify', bytes));
    } finally {
      await back.close();
    }
    return {
      verified: readBackSha256 === imageSha256,
      image: opts.image,
      device: opts.device,
      targetKind: target.kind,
      bytes,
      deviceSize: target.size,
      imageSha256,
      readBackSha256,
      ...(expected ? { expectedFrom: expected.from } : {}),
      cacheFlushed,
      writeMs,
      verifyMs: Date.now() - verifyStarted,
    };
  } finally {
    await image.close();
  }
}

/**
 * Drops the device's buffer cache (BLKFLSBUF via util-linux `blockdev --flushbufs`) so the
 * read-back comes from the medium, not from the pages just written. False if it could not.
 */
async function flushBlockCache(device: string): Promise<boolean> {
  try {
    await run('blockdev', ['--flushbufs', device]);
    return true;
  } catch {
    return false;
  }
}
