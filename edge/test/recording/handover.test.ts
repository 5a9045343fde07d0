import { createHash, randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ArchiveUploadInit, parsePayload, type ArchiveReceipt } from '@evalroom/contracts';
import { createRecorder, initRecordingDisk, uploadBundle, verifyPath, type RecordingService } from '../../src/recording';
import { readJournal } from '../../src/recording/journal';
import { tempDir, waitFor } from './helpers';

jest.setTimeout(150_000);

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** An archive speaking the handover contract (contracts/src/footage.ts), storing what it gets. */
function archiveSimulator(store: string, secret: string) {
  const uploads = new Map<string, { init: ArchiveUploadInit; chunks: Map<number, Buffer>; receipt?: ArchiveReceipt }>();
  let puts = 0;
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      void (async () => {
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        const [user, pass] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':');
        if (pass !== secret) return send(401, { message: 'who are you' });
        const body = Buffer.concat(parts);
        const url = req.url ?? '';
        const state = (id: string) => {
          const u = uploads.get(id)!;
          return { uploadId: id, chunkCount: Math.ceil(u.init.totalSize / u.init.chunkSize), received: [...u.chunks.keys()].sort((a, b) => a - b), complete: !!u.receipt, ...(u.receipt ? { receipt: u.receipt } : {}) };
        };
        if (req.method === 'POST' && url === '/v1/archive/uploads') {
          const p = parsePayload(ArchiveUploadInit, body);
          if (!p.ok || p.value.applianceId !== user) return send(400, { message: p.ok ? 'appliance' : p.reason });
          const found = [...uploads].find(([, u]) => u.init.bundleSha256 === p.value.bundleSha256);
          if (found) return send(201, state(found[0]));
          const id = randomUUID();
          uploads.set(id, { init: p.value, chunks: new Map() });
          return send(201, state(id));
        }
        const m = /^\/v1\/archive\/uploads\/([^/]+)\/(chunks\/(\d+)|complete)$/.exec(url);
        const u = m ? uploads.get(m[1]!) : undefined;
        if (!m || !u) return send(404, {});
        if (req.method === 'PUT' && m[3] !== undefined) {
          // Every third chunk request "drops the connection" before storing anything.
          if (++puts % 3 === 0) return res.destroy();
          if (sha(body) !== req.headers['x-chunk-sha256']) return send(400, { message: 'chunk sha' });
          u.chunks.set(Number(m[3]), body);
          return send(200, state(m[1]!));
        }
        if (req.method === 'POST' && m[2] === 'complete') {
          const all = Buffer.concat([...u.chunks].sort(([a], [b]) => a - b).map(([, c]) => c));
          let off = 0;
          const dest = path.join(store, u.init.sessionId);
          for (const f of u.init.files) {
            const data = all.subarray(off, off + f.size);
            off += f.size;
            if (sha(data) !== f.sha256) return send(400, { message: `${f.path} differs` });
            await fsp.mkdir(path.dirname(path.join(dest, f.path)), { recursive: true });
            await fsp.writeFile(path.join(dest, f.path), data);
          }
          u.receipt = { sessionId: u.init.sessionId, applianceId: user!, bundleSha256: u.init.bundleSha256, archiveId: `arc-${m[1]}`, receivedAt: new Date().toISOString() };
          return send(200, u.receipt);
        }
        return send(404, {});
      })();
    });
  });
  return { server, uploads };
}

describe('handover of a session bundle to the archive', () => {
  let root: string;
  let recorder: RecordingService;
  let sim: ReturnType<typeof archiveSimulator>;
  let url: string;

  beforeAll(async () => {
    root = await tempDir('handover');
    sim = archiveSimulator(path.join(root, 'archive'), 's3cret');
    await new Promise<void>((r) => sim.server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`;
    const dir = path.join(root, 'rec');
    await initRecordingDisk(dir);
    recorder = await createRecorder({
      applianceId: 'appl-h',
      dir,
      keyPath: path.join(root, 'secrets', 'h.pem'),
      cameras: [
        { cameraId: 'c1', source: { type: 'test', pattern: 'ball' }, test: { width: 320, height: 180, fps: 15, bitrateKbps: 800 } },
        { cameraId: 'c2', source: { type: 'test', pattern: 'snow' }, test: { width: 320, height: 180, fps: 15, bitrateKbps: 800 } },
      ],
      segmentSeconds: 2,
    });
    recorder.setActiveSession({ sessionId: 'S-H', lotIds: ['L-1'] });
    await recorder.start();
    await waitFor('two segments per camera', () => recorder.health().cameras.every((c) => c.segments >= 2), 30_000);
    recorder.setActiveSession(null);
    await recorder.stop();
  });

  afterAll(async () => {
    await recorder?.stop();
    sim?.server.close();
    await fsp.rm(root, { recursive: true, force: true });
  });

  it('uploads in checksummed chunks across dropped connections, and both sides keep the receipt', async () => {
    const receipt = await recorder.handOverSession('S-H', { baseUrl: url, secret: 's3cret', sessionEndedAt: new Date(), chunkSize: 64 * 1024, attempts: 5 });
    expect(receipt).toMatchObject({ sessionId: 'S-H', applianceId: 'appl-h' });
    // What arrived is the bundle, intact: it verifies with the appliance's key.
    const arrived = await verifyPath(path.join(root, 'archive', 'S-H'), { publicKeyPem: recorder.publicKeyPem });
    expect(arrived.problems).toEqual([]);
    expect(arrived.cameras.map((c) => c.camera)).toEqual(['c1', 'c2']);
    // The acknowledgement is in the edge's journal and survives a restart.
    const acks = (await readJournal(recorder.directory)).lines.filter((l) => l.kind === 'ack');
    expect(acks).toEqual([expect.objectContaining({ receipt })]);
    const again = await createRecorder({ applianceId: 'appl-h', dir: recorder.directory, keyPath: path.join(root, 'secrets', 'h.pem'), cameras: [] });
    await again.start();
    expect(again.acknowledgement('S-H')).toEqual(receipt);
    await again.stop();
  });

  it('stops at once on wrong credentials (no retries, nothing stored)', async () => {
    const out = path.join(root, 'bundle-x');
    await recorder.exportSessionBundle('S-H', out);
    const before = sim.uploads.size;
    await expect(uploadBundle({ baseUrl: url, applianceId: 'appl-h', secret: 'nope', bundleDir: out, sessionEndedAt: new Date() })).rejects.toThrow(/401/);
    expect(sim.uploads.size).toBe(before);
  });
});
