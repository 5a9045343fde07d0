import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';

export async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

export async function fsyncFile(file: string): Promise<void> {
  const h = await fsp.open(file, 'r+');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** UTC stamp usable in file names: 20261121T083000123Z */
export function fileStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, '');
}

/** Time-named path of a sealed segment, relative to the recording directory. */
export function segmentRelPath(camera: string, startMs: number, seq: number): string {
  const iso = new Date(startMs).toISOString();
  return path.posix.join(camera, iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), `${camera}-${fileStamp(startMs)}-${String(seq).padStart(6, '0')}.ts`);
}

/** Every *.ts file under `dir` (recursive), relative paths with '/'. */
export async function listSegmentFiles(dir: string, skip: (rel: string) => boolean = () => false): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fsp.readdir(path.join(dir, rel), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (skip(r)) continue;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile() && e.name.endsWith('.ts')) out.push(r);
    }
  }
  await walk('');
  return out.sort();
}
