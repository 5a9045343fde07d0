import { createPublicKey, type KeyObject } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { BundleManifest, parsePayload, type ChainEntry, type Checkpoint } from '@evalroom/contracts';
import { GENESIS_LINK, PUBLIC_KEY_FILE, computeLink, keyIdOf, verifyBytes, verifyCheckpointSignature } from './chain';
import { hashFile, listSegmentFiles } from './files';
import { readJournal } from './journal';
import { MANIFEST_FILE, SIGNATURE_FILE } from './bundle';

export interface VerifyProblem {
  camera?: string;
  seq?: number;
  file?: string;
  reason: string;
}

export interface VerifyCameraSummary {
  camera: string;
  firstSeq: number;
  lastSeq: number;
  segments: number;
  gaps: number;
  checkpoints: number;
  /** Entries after the last signed checkpoint (bundles: covered by the manifest signature). */
  unsignedTail: number;
}

export interface VerifyReport {
  ok: boolean;
  kind: 'bundle' | 'directory';
  keyId: string | null;
  cameras: VerifyCameraSummary[];
  /** Sorted by camera and sequence: problems[0] is the first bad segment. */
  problems: VerifyProblem[];
  warnings: string[];
  firstBad: VerifyProblem | null;
}

export interface VerifyOptions {
  /** Pin the expected appliance key; otherwise the key shipped with the footage is used and reported. */
  publicKeyPem?: string;
}

/** Checks a bundle (a folder with manifest.json) or a recording directory (with journal/). */
export async function verifyPath(target: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const isBundle = await exists(path.join(target, MANIFEST_FILE));
  return isBundle ? verifyBundle(target, opts) : verifyDirectory(target, opts);
}

function loadKey(pem: string): KeyObject | null {
  try {
    const k = createPublicKey(pem);
    return k.asymmetricKeyType === 'ed25519' ? k : null;
  } catch {
    return null;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}

/** Chain continuity and integrity of one camera's entries (already in file order). */
function checkChain(camera: string, entries: ChainEntry[], startPrev: string | null, problems: VerifyProblem[]): Map<number, ChainEntry> {
  const bySeq = new Map<number, ChainEntry>();
  let prevLink = startPrev;
  let expectSeq = startPrev === GENESIS_LINK ? 1 : (entries[0]?.seq ?? 1);
  for (const e of entries) {
    const at = { camera, seq: e.seq, file: e.kind === 'segment' ? e.file : undefined };
    if (e.seq !== expectSeq) problems.push({ ...at, reason: `sequence break: expected entry ${expectSeq}, found ${e.seq} (entry deleted, inserted or reordered)` });
    else if (prevLink !== null && e.prevLink !== prevLink) problems.push({ ...at, reason: 'chain broken: prevLink does not match the previous entry' });
    if (computeLink(e) !== e.link) problems.push({ ...at, reason: `${e.kind} entry altered: its link does not match its content` });
    bySeq.set(e.seq, e);
    prevLink = e.link;
    expectSeq = e.seq + 1;
  }
  return bySeq;
}

function checkCheckpoints(camera: string, cps: Checkpoint[], bySeq: Map<number, ChainEntry>, key: KeyObject | null, keyId: string | null, problems: VerifyProblem[]): number {
  let lastSigned = 0;
  for (const cp of cps) {
    const at = { camera, seq: cp.seq };
    if (!cp.sig) {
      problems.push({ ...at, reason: 'checkpoint signature missing (stripped)' });
      continue;
    }
    if (keyId && cp.keyId !== keyId) {
      problems.push({ ...at, reason: `checkpoint signed by another key (${cp.keyId.slice(0, 12)}…)` });
      continue;
    }
    if (!key || !verifyCheckpointSignature(key, cp)) {
      problems.push({ ...at, reason: 'checkpoint signature invalid' });
      continue;
    }
    const e = bySeq.get(cp.seq);
    if (!e) problems.push({ ...at, reason: 'signed checkpoint names an entry that is missing' });
    else if (e.link !== cp.link) problems.push({ ...at, reason: 'signed checkpoint does not match the chain (entries rewritten)' });
    else lastSigned = Math.max(lastSigned, cp.seq);
  }
  return lastSigned;
}

async function checkFile(abs: string, expect: { size: number; sha256: string }, at: Omit<VerifyProblem, 'reason'>, problems: VerifyProblem[]): Promise<void> {
  let st: import('node:fs').Stats;
  try {
    st = await fsp.stat(abs);
  } catch {
    problems.push({ ...at, reason: 'segment file missing' });
    return;
  }
  if (st.size !== expect.size) {
    problems.push({ ...at, reason: `segment size ${st.size} differs from indexed ${expect.size} (truncated or extended)` });
    return;
  }
  const { sha256 } = await hashFile(abs);
  if (sha256 !== expect.sha256) problems.push({ ...at, reason: 'segment content differs from its SHA-256 (altered, swapped or substituted)' });
}

function finish(kind: VerifyReport['kind'], keyId: string | null, cameras: VerifyCameraSummary[], problems: VerifyProblem[], warnings: string[]): VerifyReport {
  const sorted = problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.camera ?? '').localeCompare(b.p.camera ?? '') || (a.p.seq ?? Number.MAX_SAFE_INTEGER) - (b.p.seq ?? Number.MAX_SAFE_INTEGER) || a.i - b.i)
    .map((x) => x.p);
  return { ok: sorted.length === 0, kind, keyId, cameras, problems: sorted, warnings, firstBad: sorted[0] ?? null };
}

export async function verifyDirectory(dir: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const warnings: string[] = [];
  let pem = opts.publicKeyPem;
  if (!pem) pem = await fsp.readFile(path.join(dir, PUBLIC_KEY_FILE), 'utf8').catch(() => undefined);
  const key = pem ? loadKey(pem) : null;
  if (!key) problems.push({ reason: 'no usable public key (pass one, or keep appliance-ed25519.pub.pem in the directory)' });
  const keyId = key ? keyIdOf(key) : null;
  const j = await readJournal(dir);
  for (const bad of j.invalid) problems.push({ file: `journal/${bad.file}`, reason: `journal line ${bad.line} unreadable: ${bad.reason}` });
  for (const t of j.tornTails) warnings.push(`journal/${t.file}: ${t.bytes} bytes of a torn last line (crash while writing) ignored`);
  const entries = new Map<string, ChainEntry[]>();
  const cps = new Map<string, Checkpoint[]>();
  for (const l of j.lines) {
    if (l.kind === 'ack') continue;
    if (l.kind === 'checkpoint') cps.set(l.camera, [...(cps.get(l.camera) ?? []), l]);
    else entries.set(l.camera, [...(entries.get(l.camera) ?? []), l]);
  }
  const cameras: VerifyCameraSummary[] = [];
  const indexed = new Set<string>();
  for (const [camera, list] of [...entries].sort(([a], [b]) => a.localeCompare(b))) {
    const bySeq = checkChain(camera, list, GENESIS_LINK, problems);
    const lastSigned = checkCheckpoints(camera, cps.get(camera) ?? [], bySeq, key, keyId, problems);
    const deleted = new Set(list.filter((e) => e.kind === 'deletion').map((e) => (e as { targetSeq: number }).targetSeq));
    for (const e of list) {
      if (e.kind !== 'segment') continue;
      indexed.add(e.file);
      if (deleted.has(e.seq)) continue;
      await checkFile(path.join(dir, e.file), e, { camera, seq: e.seq, file: e.file }, problems);
    }
    const last = list[list.length - 1]!;
    const tail = last.seq - lastSigned;
    if (tail > 0) warnings.push(`${camera}: last ${tail} entries are not yet covered by a signed checkpoint`);
    cameras.push({
      camera,
      firstSeq: list[0]!.seq,
      lastSeq: last.seq,
      segments: list.filter((e) => e.kind === 'segment').length,
      gaps: list.filter((e) => e.kind === 'gap').length,
      checkpoints: (cps.get(camera) ?? []).length,
      unsignedTail: tail,
    });
    const onDisk = await listSegmentFiles(path.join(dir, camera));
    for (const rel of onDisk) {
      const full = `${camera}/${rel}`;
      if (indexed.has(full)) continue;
      if (rel.startsWith('incoming/')) warnings.push(`${full}: not yet indexed (open or unrecovered fragment)`);
      else if (rel.startsWith('quarantine/')) warnings.push(`${full}: quarantined unreadable fragment`);
      else problems.push({ camera, file: full, reason: 'segment file not in the index (inserted)' });
    }
  }
  for (const camera of cps.keys()) if (!entries.has(camera)) problems.push({ camera, reason: 'checkpoints exist but the camera has no entries (journal removed)' });
  if (entries.size === 0 && j.invalid.length === 0) warnings.push('no recordings in this directory');
  return finish('directory', keyId, cameras, problems, warnings);
}

export async function verifyBundle(dir: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const warnings: string[] = [];
  const body = await fsp.readFile(path.join(dir, MANIFEST_FILE));
  const parsed = parsePayload(BundleManifest, body);
  if (!parsed.ok) return finish('bundle', null, [], [{ file: MANIFEST_FILE, reason: `manifest invalid: ${parsed.reason}` }], warnings);
  const m = parsed.value;
  const key = loadKey(opts.publicKeyPem ?? m.publicKeyPem);
  const keyId = key ? keyIdOf(key) : null;
  if (!key) problems.push({ file: MANIFEST_FILE, reason: 'public key unusable' });
  if (opts.publicKeyPem && keyId !== m.keyId) problems.push({ file: MANIFEST_FILE, reason: 'bundle was signed by a different appliance key than the one expected' });
  const sig = await fsp.readFile(path.join(dir, SIGNATURE_FILE), 'utf8').catch(() => '');
  if (!sig.trim()) problems.push({ file: SIGNATURE_FILE, reason: 'manifest signature missing (stripped)' });
  else if (!key || !verifyBytes(key, body, sig)) problems.push({ file: MANIFEST_FILE, reason: 'manifest signature invalid (manifest edited or signed by another key)' });
  const fileBySeq = new Map(m.files.map((f) => [`${f.camera}#${f.seq}`, f]));
  const omitted = new Set(m.omitted.map((o) => `${o.camera}#${o.seq}`));
  const cameras: VerifyCameraSummary[] = [];
  for (const c of m.cameras) {
    if (c.entries.length === 0) continue;
    const bySeq = checkChain(c.camera, c.entries, c.entries[0]!.prevLink, problems);
    const lastSigned = checkCheckpoints(c.camera, c.checkpoints, bySeq, key, keyId, problems);
    for (const e of c.entries) {
      if (e.kind !== 'segment') continue;
      const f = fileBySeq.get(`${c.camera}#${e.seq}`);
      const at = { camera: c.camera, seq: e.seq, file: f?.path ?? e.file };
      if (!f) {
        if (!omitted.has(`${c.camera}#${e.seq}`)) problems.push({ ...at, reason: 'segment listed in the chain has no file in the bundle' });
        continue;
      }
      if (f.sha256 !== e.sha256 || f.size !== e.size) problems.push({ ...at, reason: 'file list disagrees with the chain entry' });
      await checkFile(path.join(dir, f.path), e, at, problems);
    }
    const last = c.entries[c.entries.length - 1]!;
    cameras.push({
      camera: c.camera,
      firstSeq: c.entries[0]!.seq,
      lastSeq: last.seq,
      segments: c.entries.filter((e) => e.kind === 'segment').length,
      gaps: c.entries.filter((e) => e.kind === 'gap').length,
      checkpoints: c.checkpoints.length,
      unsignedTail: last.seq - lastSigned,
    });
  }
  for (const f of m.files) {
    const c = m.cameras.find((x) => x.camera === f.camera);
    if (!c?.entries.some((e) => e.seq === f.seq && e.kind === 'segment')) problems.push({ camera: f.camera, seq: f.seq, file: f.path, reason: 'file not backed by a chain entry' });
  }
  for (const camera of await fsp.readdir(path.join(dir, 'segments')).catch(() => [] as string[])) {
    for (const name of await fsp.readdir(path.join(dir, 'segments', camera)).catch(() => [] as string[])) {
      const rel = `segments/${camera}/${name}`;
      if (!m.files.some((f) => f.path === rel)) problems.push({ camera, file: rel, reason: 'extra file not listed in the manifest (inserted)' });
    }
  }
  for (const o of m.omitted) warnings.push(`${o.camera} #${o.seq}: ${o.reason}`);
  return finish('bundle', keyId, cameras, problems, warnings);
}

/** Human summary for the CLI. */
export function formatReport(target: string, r: VerifyReport): string {
  const lines: string[] = [];
  const segs = r.cameras.reduce((n, c) => n + c.segments, 0);
  lines.push(`${r.ok ? 'OK' : 'FAILED'}: ${r.kind} ${target} — ${r.cameras.length} camera(s), ${segs} segment(s), key ${r.keyId ? r.keyId.slice(0, 16) : 'none'}`);
  if (r.firstBad) {
    const b = r.firstBad;
    lines.push(`first bad: ${[b.camera, b.seq !== undefined ? `#${b.seq}` : null, b.file].filter(Boolean).join(' ')}: ${b.reason}`);
    for (const p of r.problems.slice(1, 20)) lines.push(`  also: ${[p.camera, p.seq !== undefined ? `#${p.seq}` : null, p.file].filter(Boolean).join(' ')}: ${p.reason}`);
    if (r.problems.length > 20) lines.push(`  … ${r.problems.length - 20} more`);
  }
  for (const w of r.warnings.slice(0, 20)) lines.push(`note: ${w}`);
  return lines.join('\n');
}
