import { readFile, readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** Where the kernel's views live; tests of the logic may point these elsewhere. */
export interface SystemPaths {
  proc: string;
  sys: string;
  dev: string;
}
export const LINUX: SystemPaths = { proc: '/proc', sys: '/sys', dev: '/dev' };

export interface BlockDev {
  /** Kernel name (sda, sda1, loop0, mmcblk0p2). */
  name: string;
  /** `major:minor`. */
  dev: string;
}

/** What is about to be written: a block device (with its whole disk and partitions) or a plain file. */
export type FlashTarget =
  | { kind: 'block'; path: string; realPath: string; size: number; self: BlockDev; disk: BlockDev; partitions: BlockDev[] }
  | { kind: 'file'; path: string; realPath: string; size: number; dev: string; ino: bigint };

export class TargetError extends Error {}

export const devOf = (rdev: bigint): string => {
  // glibc's gnu_dev_major/minor layout
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
};

async function readTrim(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** The sysfs directory of a block device by `major:minor` (…/block/sda or …/block/sda/sda1). */
async function sysDir(sys: SystemPaths, dev: string): Promise<string> {
  const link = path.join(sys.sys, 'dev', 'block', dev);
  try {
    return path.resolve(path.dirname(link), await readlink(link));
  } catch {
    throw new TargetError(`no sysfs entry for block device ${dev}`);
  }
}

/** A block device's whole disk (itself if not a partition). */
export async function diskOf(sys: SystemPaths, dev: string): Promise<BlockDev> {
  const dir = await sysDir(sys, dev);
  if ((await readTrim(path.join(dir, 'partition'))) !== undefined) {
    const parent = path.dirname(dir);
    return { name: path.basename(parent), dev: (await readTrim(path.join(parent, 'dev'))) ?? '?' };
  }
  return { name: path.basename(dir), dev };
}

export async function partitionsOf(sys: SystemPaths, disk: BlockDev): Promise<BlockDev[]> {
  const dir = await sysDir(sys, disk.dev);
  const out: BlockDev[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    if ((await readTrim(path.join(dir, e.name, 'partition'))) === undefined) continue;
    const dev = await readTrim(path.join(dir, e.name, 'dev'));
    if (dev) out.push({ name: e.name, dev });
  }
  return out;
}

/**
 * Size of a block device in bytes: sysfs `size` counts 512-byte sectors whatever the logical
 * block size (the same number the BLKGETSIZE64 ioctl returns, divided by 512).
 */
export async function blockDeviceSize(sys: SystemPaths, dev: string): Promise<number> {
  const sectors = await readTrim(path.join(await sysDir(sys, dev), 'size'));
  if (!sectors || !/^\d+$/.test(sectors)) throw new TargetError(`cannot read the size of block device ${dev}`);
  return Number(sectors) * 512;
}

export async function describeTarget(file: string, sys: SystemPaths = LINUX): Promise<FlashTarget> {
  let st;
  try {
    st = await stat(file, { bigint: true });
  } catch (err) {
    throw new TargetError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such device or file' : (err as Error).message}`);
  }
  const realPath = await realpath(file);
  if (st.isFile()) return { kind: 'file', path: file, realPath, size: Number(st.size), dev: devOf(st.dev), ino: st.ino };
  if (!st.isBlockDevice()) throw new TargetError(`${file} is neither a block device nor a regular file`);
  const dev = devOf(st.rdev);
  const self: BlockDev = { name: path.basename(await sysDir(sys, dev)), dev };
  const disk = await diskOf(sys, dev);
  return { kind: 'block', path: file, realPath, size: await blockDeviceSize(sys, dev), self, disk, partitions: await partitionsOf(sys, disk) };
}
