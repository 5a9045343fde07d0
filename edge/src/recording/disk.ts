import { promises as fsp } from 'node:fs';
import path from 'node:path';

/** Proves the recording disk is mounted: written once at provisioning, checked before every write. */
export const DISK_MARKER = '.evalroom-recording-disk';

export async function hasDiskMarker(dir: string): Promise<boolean> {
  try {
    await fsp.access(path.join(dir, DISK_MARKER));
    return true;
  } catch {
    return false;
  }
}

/**
 * Marks `dir` as the recording disk. Only provisioning (or a test) calls this: if the runtime
 * did it, an unmounted disk's empty mount point would silently become the recording disk.
 */
export async function initRecordingDisk(dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  const body = JSON.stringify({ createdAt: new Date().toISOString(), purpose: 'evalroom recording disk' }) + '\n';
  await fsp.writeFile(path.join(dir, DISK_MARKER), body, { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

export interface DiskUsage {
  totalBytes: number;
  freeBytes: number;
  usedPct: number;
}

export async function diskUsage(dir: string): Promise<DiskUsage> {
  const s = await fsp.statfs(dir);
  const total = s.blocks * s.bsize;
  const free = s.bavail * s.bsize;
  const usedPct = total > 0 ? ((total - free) / total) * 100 : 100;
  return { totalBytes: total, freeBytes: free, usedPct };
}
