import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import {
  ArchiveReceipt,
  ArchiveUploadState,
  BundleManifest,
  parsePayload,
  validate,
  type ArchiveUploadInit,
} from '@evalroom/contracts';
import { MANIFEST_FILE, SIGNATURE_FILE } from './bundle';
import { hashFile } from './files';

export interface HandoverOptions {
  /** Cloud base URL, e.g. https://cloud.example/ ; routes are under /v1/archive. */
  baseUrl: string;
  /** HTTP Basic credentials of the appliance (its id and its cloud secret). */
  applianceId: string;
  secret: string;
  bundleDir: string;
  sessionEndedAt: Date;
  chunkSize?: number;
  /** Injected for tests (e.g. a fetch that fails every n-th request). */
  fetch?: typeof fetch;
  /** Attempts per request before giving up (the whole upload resumes on the next call). */
  attempts?: number;
  log?: (msg: string) => void;
}

interface Part {
  path: string;
  abs: string;
  size: number;
  sha256: string;
  offset: number;
}

async function layout(bundleDir: string): Promise<{ parts: Part[]; total: number; manifestSha: string; sessionId: string }> {
  const body = await fsp.readFile(path.join(bundleDir, MANIFEST_FILE));
  const parsed = parsePayload(BundleManifest, body);
  if (!parsed.ok) throw new Error(`bundle manifest invalid: ${parsed.reason}`);
  const m = parsed.value;
  if (!('sessionId' in m.selection)) throw new Error('only session bundles are handed over');
  const names = [MANIFEST_FILE, SIGNATURE_FILE, ...m.files.map((f) => f.path)];
  const parts: Part[] = [];
  let offset = 0;
  for (const name of names) {
    const abs = path.join(bundleDir, name);
    const { sha256, size } = await hashFile(abs);
    parts.push({ path: name, abs, size, sha256, offset });
    offset += size;
  }
  return { parts, total: offset, manifestSha: createHash('sha256').update(body).digest('hex'), sessionId: m.selection.sessionId };
}

/** Bytes [start, end) of the bundle laid out as one stream (manifest, signature, segments). */
async function readRange(parts: Part[], start: number, end: number): Promise<Buffer> {
  const out: Buffer[] = [];
  for (const p of parts) {
    const from = Math.max(start, p.offset);
    const to = Math.min(end, p.offset + p.size);
    if (from >= to) continue;
    const h = await fsp.open(p.abs, 'r');
    try {
      const buf = Buffer.alloc(to - from);
      await h.read(buf, 0, buf.length, from - p.offset);
      out.push(buf);
    } finally {
      await h.close();
    }
  }
  return Buffer.concat(out);
}

/**
 * Hands a session bundle over to the cloud archive: creates (or finds) the upload, sends only
 * the chunks the archive does not have, each with its SHA-256, then asks for the receipt. Safe
 * to call again after any failure: it resumes where the archive stands.
 */
export async function uploadBundle(o: HandoverOptions): Promise<ArchiveReceipt> {
  const doFetch = o.fetch ?? fetch;
  const attempts = o.attempts ?? 4;
  const chunkSize = o.chunkSize ?? 4 * 1024 * 1024;
  const auth = `Basic ${Buffer.from(`${o.applianceId}:${o.secret}`).toString('base64')}`;
  const base = o.baseUrl.replace(/\/$/, '') + '/v1/archive';
  const { parts, total, manifestSha, sessionId } = await layout(o.bundleDir);

  async function call(method: string, url: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<unknown> {
    let last: Error | null = null;
    for (let i = 0; i < attempts; i++) {
      try {
        const res = await doFetch(url, { method, body, headers: { authorization: auth, ...headers } });
        const text = await res.text();
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw Object.assign(new Error(`${method} ${url}: ${res.status} ${text.slice(0, 300)}`), { fatal: true });
        if (!res.ok) throw new Error(`${method} ${url}: ${res.status}`);
        return text ? JSON.parse(text) : undefined;
      } catch (err) {
        if ((err as { fatal?: boolean }).fatal) throw err;
        last = err as Error;
        o.log?.(`handover: ${last.message}; retry ${i + 1}/${attempts}`);
        await new Promise((r) => setTimeout(r, 100 * 2 ** i));
      }
    }
    throw last ?? new Error('upload failed');
  }

  const init: ArchiveUploadInit = {
    sessionId,
    applianceId: o.applianceId,
    bundleSha256: manifestSha,
    totalSize: total,
    chunkSize,
    files: parts.map((p) => ({ path: p.path, size: p.size, sha256: p.sha256 })),
    sessionEndedAt: o.sessionEndedAt.toISOString(),
  };
  const stateRes = validate(ArchiveUploadState, await call('POST', `${base}/uploads`, JSON.stringify(init), { 'content-type': 'application/json' }));
  if (!stateRes.ok) throw new Error(`archive answered an invalid upload state: ${stateRes.reason}`);
  let state = stateRes.value;
  if (state.complete && state.receipt) return state.receipt;
  const have = new Set(state.received);
  for (let i = 0; i < state.chunkCount; i++) {
    if (have.has(i)) continue;
    const chunk = await readRange(parts, i * chunkSize, Math.min(total, (i + 1) * chunkSize));
    const sha = createHash('sha256').update(chunk).digest('hex');
    const r = validate(ArchiveUploadState, await call('PUT', `${base}/uploads/${encodeURIComponent(state.uploadId)}/chunks/${i}`, chunk, { 'content-type': 'application/octet-stream', 'x-chunk-sha256': sha }));
    if (!r.ok) throw new Error(`archive answered an invalid upload state: ${r.reason}`);
    state = r.value;
  }
  const receipt = validate(ArchiveReceipt, await call('POST', `${base}/uploads/${encodeURIComponent(state.uploadId)}/complete`));
  if (!receipt.ok) throw new Error(`archive answered an invalid receipt: ${receipt.reason}`);
  if (receipt.value.bundleSha256 !== manifestSha || receipt.value.sessionId !== sessionId) throw new Error('archive receipt does not match the bundle');
  return receipt.value;
}
