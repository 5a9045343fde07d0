import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseMountInfo, parseSwaps, type MountEntry } from './mountinfo';
import { devOf, diskOf, LINUX, type BlockDev, type FlashTarget, type SystemPaths } from './target';

async function readOr(file: string, fallback: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return fallback;
  }
}

/**
 * The disks the running system's root file system lives on: the disk under `/`, and when `/` is
 * on device-mapper or md (LVM, dm-crypt, RAID), the disks under those, found through sysfs `slaves`.
 */
export async function systemDisks(mounts: MountEntry[], sys: SystemPaths = LINUX): Promise<BlockDev[]> {
  const root = [...mounts].reverse().find((m) => m.mountPoint === '/');
  if (!root) return [];
  const candidates = [root.dev];
  // overlay/btrfs report a virtual 0:x; the source may still name the device
  if (root.source.startsWith('/dev/')) {
    try {
      candidates.push(devOf((await stat(root.source, { bigint: true })).rdev));
    } catch {
      /* not resolvable: fall back to the dev number */
    }
  }
  const found = new Map<string, BlockDev>();
  const visit = async (dev: string, depth: number): Promise<void> => {
    if (dev.startsWith('0:') || depth > 8) return;
    let disk: BlockDev;
    try {
      disk = await diskOf(sys, dev);
    } catch {
      return; // not a block device with a sysfs entry
    }
    found.set(disk.dev, disk);
    const slavesDir = path.join(sys.sys, 'class', 'block', disk.name, 'slaves');
    let slaves: string[] = [];
    try {
      slaves = await readdir(slavesDir);
    } catch {
      return;
    }
    for (const name of slaves) {
      const slaveDev = (await readOr(path.join(slavesDir, name, 'dev'), '')).trim();
      if (slaveDev) await visit(slaveDev, depth + 1);
    }
  };
  for (const dev of candidates) await visit(dev, 0);
  return [...found.values()];
}

/**
 * Why writing this target would be unsafe (empty: go ahead): the disk the system runs from,
 * any of its partitions mounted or used as swap, or a file that backs a loop device.
 */
export async function refusalReasons(target: FlashTarget, sys: SystemPaths = LINUX): Promise<string[]> {
  const mounts = parseMountInfo(await readOr(path.join(sys.proc, 'self', 'mountinfo'), ''));
  const reasons: string[] = [];
  if (target.kind === 'file') {
    const loops = await loopsBackedBy(target, sys);
    if (loops.length) reasons.push(`${target.path} backs loop device ${loops.join(', ')}: write the loop device, or detach it first`);
    return reasons;
  }
  const mine = [target.disk, ...target.partitions];
  const devs = new Set(mine.map((d) => d.dev));
  const names = new Set(mine.map((d) => path.join(sys.dev, d.name)));
  const root = (await systemDisks(mounts, sys)).find((d) => d.dev === target.disk.dev);
  if (root) reasons.push(`${target.path} is on ${root.name}, the disk this system runs from`);
  const mounted = mounts.filter((m) => devs.has(m.dev) || names.has(m.source));
  for (const m of mounted) reasons.push(`${m.source} is mounted on ${m.mountPoint}`);
  for (const swap of parseSwaps(await readOr(path.join(sys.proc, 'swaps'), ''))) {
    if (names.has(swap)) reasons.push(`${swap} is in use as swap`);
  }
  return reasons;
}

async function loopsBackedBy(target: Extract<FlashTarget, { kind: 'file' }>, sys: SystemPaths): Promise<string[]> {
  const out: string[] = [];
  let entries: string[] = [];
  try {
    entries = (await readdir(path.join(sys.sys, 'block'))).filter((n) => n.startsWith('loop'));
  } catch {
    return out;
  }
  for (const name of entries) {
    const backing = (await readOr(path.join(sys.sys, 'block', name, 'loop', 'backing_file'), '')).trim();
    if (!backing) continue;
    try {
      const st = await stat(backing, { bigint: true });
      if (st.ino === target.ino && devOf(st.dev) === target.dev) out.push(path.join(sys.dev, name));
    } catch {
      /* backing file gone (deleted) */
    }
  }
  return out;
}
