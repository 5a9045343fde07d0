import { constants, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { BundleManifest, ChainEntry, Checkpoint, DeletionEntry } from '@evalroom/contracts';
import { signBytes, type SigningKey } from './chain';
import { readJournal } from './journal';

export type BundleSelection = { sessionId: string } | { camera: string; from: Date; to: Date };

export interface ExportResult {
  outDir: string;
  manifestPath: string;
  cameras: number;
  segments: number;
  bytes: number;
}

export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig';

function selects(sel: BundleSelection, e: ChainEntry): boolean {
  if ('sessionId' in sel) return e.sessionId === sel.sessionId;
  if (e.camera !== sel.camera) return false;
  const from = sel.from.getTime();
  const to = sel.to.getTime();
  if (e.kind === 'segment') return Date.parse(e.start) < to && Date.parse(e.end) > from;
  if (e.kind === 'gap') return Date.parse(e.from) < to && Date.parse(e.to) > from;
  return false;
}

/**
 * Writes an evidence bundle: every segment of the selection (all cameras for a session) copied
 * under segments/<camera>/, and a manifest with each camera's contiguous run of chain entries,
 * the signed checkpoints inside it, the public key, and a detached Ed25519 signature over the
 * manifest's exact bytes.
 */
export async function exportBundle(o: {
  dir: string;
  key: SigningKey;
  applianceId: string;
  selection: BundleSelection;
  outDir: string;
}): Promise<ExportResult> {
  const j = await readJournal(o.dir);
  const byCamera = new Map<string, ChainEntry[]>();
  const checkpoints = new Map<string, Checkpoint[]>();
  const deletions = new Map<string, DeletionEntry>();
  const sessions = new Map<string, string[]>();
  for (const line of j.lines) {
    if (line.kind === 'ack') continue;
    if (line.kind === 'checkpoint') {
      checkpoints.set(line.camera, [...(checkpoints.get(line.camera) ?? []), line]);
      continue;
    }
    byCamera.set(line.camera, [...(byCamera.get(line.camera) ?? []), line]);
    if (line.kind === 'deletion') deletions.set(`${line.camera}#${line.targetSeq}`, line);
  }
  const manifestCameras: BundleManifest['cameras'] = [];
  const files: BundleManifest['files'] = [];
  const omitted: BundleManifest['omitted'] = [];
  let bytes = 0;
  await fsp.mkdir(path.join(o.outDir, 'segments'), { recursive: true });
  for (const [camera, entries] of [...byCamera].sort(([a], [b]) => a.localeCompare(b))) {
    const hits = entries.filter((e) => selects(o.selection, e));
    if (hits.length === 0) continue;
    const lo = Math.min(...hits.map((e) => e.seq));
    const hi = Math.max(...hits.map((e) => e.seq));
    const range = entries.filter((e) => e.seq >= lo && e.seq <= hi).sort((a, b) => a.seq - b.seq);
    const cps = (checkpoints.get(camera) ?? []).filter((c) => c.seq >= lo && c.seq <= hi);
    manifestCameras.push({ camera, entries: range, checkpoints: cps });
    await fsp.mkdir(path.join(o.outDir, 'segments', camera), { recursive: true });
    for (const e of range) {
      if (e.sessionId) sessions.set(e.sessionId, e.lotIds);
      if (e.kind !== 'segment') continue;
      const del = deletions.get(`${camera}#${e.seq}`);
      if (del) {
        omitted.push({ camera, seq: e.seq, reason: `deleted: ${del.reason}`.slice(0, 300) });
        continue;
      }
      const rel = `segments/${camera}/${path.basename(e.file)}`;
      await fsp.copyFile(path.join(o.dir, e.file), path.join(o.outDir, rel), constants.COPYFILE_FICLONE);
      files.push({ path: rel, camera, seq: e.seq, size: e.size, sha256: e.sha256 });
      bytes += e.size;
    }
  }
  if (manifestCameras.length === 0) throw new Error('nothing recorded for this selection');
  const manifest: BundleManifest = {
    v: 1,
    kind: 'evalroom-evidence-bundle',
    applianceId: o.applianceId,
    createdAt: new Date().toISOString(),
    selection:
      'sessionId' in o.selection
        ? { sessionId: o.selection.sessionId }
        : { camera: o.selection.camera, from: o.selection.from.toISOString(), to: o.selection.to.toISOString() },
    sessions: [...sessions].map(([sessionId, lotIds]) => ({ sessionId, lotIds })),
    publicKeyPem: o.key.publicKeyPem,
    keyId: o.key.keyId,
    cameras: manifestCameras,
    files,
    omitted,
  };
  const body = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
  const manifestPath = path.join(o.outDir, MANIFEST_FILE);
  await fsp.writeFile(manifestPath, body);
  await fsp.writeFile(path.join(o.outDir, SIGNATURE_FILE), signBytes(o.key, body) + '\n');
  return { outDir: o.outDir, manifestPath, cameras: manifestCameras.length, segments: files.length, bytes };
}
