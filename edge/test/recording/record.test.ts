import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { createRecorder, initRecordingDisk, startTestCamera, verifyPath, type RecordingService, type TestCamera } from '../../src/recording';
import { main as footageCli } from '../../src/cli/footage';
import { readJournal } from '../../src/recording/journal';
import { probeFile } from '../../src/recording/probe';
import { segmentsOf, tempDir, waitFor } from './helpers';

// Generous: a loaded 2-core CI machine slows start-up and decoding, never the assertions.
jest.setTimeout(180_000);

describe('recording 30 s from the RTSP test camera', () => {
  let cam: TestCamera;
  let recorder: RecordingService;
  let root: string;
  let dir: string;

  beforeAll(async () => {
    root = await tempDir('rec');
    dir = path.join(root, 'recordings');
    await initRecordingDisk(dir);
    cam = await startTestCamera({ audio: true, width: 320, height: 180, fps: 15, bitrateKbps: 300 });
    recorder = await createRecorder({
      applianceId: 'appl-1',
      dir,
      keyPath: path.join(root, 'secrets', 'recording.pem'),
      cameras: [{ cameraId: 'cam1', source: { type: 'rtsp', url: cam.url } }],
      segmentSeconds: 5,
      checkpointEverySegments: 2,
      diskCheckIntervalMs: 1000,
    });
    recorder.setActiveSession({ sessionId: 'S-1', lotIds: ['L-1', 'L-2'] });
    await recorder.start();
    // 30 s of footage: six sealed 5 s segments, the seventh is sealed by stop().
    await waitFor('30 s recorded', () => recorder.health().cameras[0]!.segments >= 6, 120_000, 250);
    await recorder.stop();
  });

  afterAll(async () => {
    await recorder?.stop();
    await cam?.stop();
    await fsp.rm(root, { recursive: true, force: true });
  });

  it('segments decode with ffmpeg, keep audio, and their durations add up with no gap', async () => {
    const segs = await segmentsOf(dir);
    expect(segs.length).toBeGreaterThanOrEqual(5);
    const j = await readJournal(dir);
    expect(j.lines.filter((l) => l.kind === 'gap')).toEqual([]);
    let decoded = 0;
    for (const s of segs) {
      const p = await probeFile(path.join(dir, s.file), true);
      expect({ file: s.file, playable: p.playable, reason: p.reason }).toEqual({ file: s.file, playable: true, reason: undefined });
      expect(p.video).toBe('h264');
      expect(p.audio).toBe('aac');
      decoded += p.durationMs;
      expect(s.sessionId).toBe('S-1');
      expect(s.lotIds).toEqual(['L-1', 'L-2']);
      expect(s.recovered).toBe(false);
      expect(s.file).toMatch(/^cam1\/\d{4}\/\d{2}\/\d{2}\/cam1-\d{8}T\d{9}Z-\d{6}\.ts$/);
    }
    // Consecutive segments touch: the index has no hole the gap list does not explain.
    for (let i = 1; i < segs.length; i++) {
      expect(Math.abs(Date.parse(segs[i]!.start) - Date.parse(segs[i - 1]!.end))).toBeLessThan(300);
    }
    const span = Date.parse(segs[segs.length - 1]!.end) - Date.parse(segs[0]!.start);
    const indexed = segs.reduce((n, s) => n + s.durationMs, 0);
    expect(span).toBeGreaterThan(25_000);
    expect(Math.abs(indexed - span)).toBeLessThan(500);
    // The independent decoder agrees with the index within a frame or two per segment.
    expect(Math.abs(decoded - indexed)).toBeLessThan(200 * segs.length);
  });

  it('the directory verifies and a session bundle exports and verifies', async () => {
    const r = await verifyPath(dir);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.cameras[0]!.unsignedTail).toBe(0);
    const out = path.join(root, 'bundle');
    const res = await recorder.exportSessionBundle('S-1', out);
    expect(res.segments).toBe((await segmentsOf(dir)).length);
    const b = await verifyPath(out);
    expect(b.kind).toBe('bundle');
    expect(b.problems).toEqual([]);
    const manifest = JSON.parse(await fsp.readFile(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest.sessions).toEqual([{ sessionId: 'S-1', lotIds: ['L-1', 'L-2'] }]);
  });

  describe('tamper evidence', () => {
    let bundle: string;
    let n = 0;
    const copy = async (src: string): Promise<string> => {
      const dst = path.join(root, `copy-${n++}`);
      await fsp.cp(src, dst, { recursive: true });
      return dst;
    };
    const bundleFiles = async (b: string): Promise<string[]> =>
      (await fsp.readdir(path.join(b, 'segments', 'cam1'))).sort().map((f) => path.join(b, 'segments', 'cam1', f));
    const journalFile = async (d: string): Promise<string> => {
      const files = (await fsp.readdir(path.join(d, 'journal'))).sort();
      return path.join(d, 'journal', files[0]!);
    };
    const dirSegments = async (d: string): Promise<string[]> => (await segmentsOf(d)).map((s) => path.join(d, s.file));

    beforeAll(() => {
      bundle = path.join(root, 'bundle');
    });

    it('untouched footage raises no alarm, from the CLI too', async () => {
      expect((await verifyPath(bundle)).ok).toBe(true);
      expect((await verifyPath(dir)).ok).toBe(true);
      expect(await footageCli(['verify', bundle])).toBe(0);
      expect(await footageCli(['verify', dir])).toBe(0);
    });

    it('a flipped byte names the segment', async () => {
      const b = await copy(bundle);
      const f = (await bundleFiles(b))[2]!;
      const buf = await fsp.readFile(f);
      buf[Math.floor(buf.length / 2)]! ^= 0x01;
      await fsp.writeFile(f, buf);
      const r = await verifyPath(b);
      expect(r.ok).toBe(false);
      expect(r.firstBad).toMatchObject({ seq: 3, reason: expect.stringMatching(/content differs/) });
      expect(await footageCli(['verify', b])).toBe(1);

      const d = await copy(dir);
      const g = (await dirSegments(d))[1]!;
      const buf2 = await fsp.readFile(g);
      buf2[100]! ^= 0x80;
      await fsp.writeFile(g, buf2);
      expect((await verifyPath(d)).firstBad).toMatchObject({ reason: expect.stringMatching(/content differs/) });
    });

    it('truncation, deletion and an inserted file are detected', async () => {
      const b = await copy(bundle);
      const files = await bundleFiles(b);
      await fsp.truncate(files[1]!, 1000);
      await fsp.rm(files[3]!);
      await fsp.writeFile(path.join(b, 'segments', 'cam1', 'zz-extra.ts'), 'x');
      const r = await verifyPath(b);
      expect(r.problems.map((p) => p.reason)).toEqual(
        expect.arrayContaining([expect.stringMatching(/truncated/), 'segment file missing', expect.stringMatching(/extra file/)]),
      );
      expect(r.firstBad).toMatchObject({ seq: 2, reason: expect.stringMatching(/truncated/) });

      const d = await copy(dir);
      await fsp.rm((await dirSegments(d))[0]!);
      expect((await verifyPath(d)).firstBad).toMatchObject({ seq: 1, reason: 'segment file missing' });
    });

    it('reordered segments and reordered or removed index lines are detected', async () => {
      const b = await copy(bundle);
      const [f1, f2] = (await bundleFiles(b)).slice(1, 3);
      await fsp.rename(f1!, `${f1}.tmp`);
      await fsp.rename(f2!, f1!);
      await fsp.rename(`${f1}.tmp`, f2!);
      expect((await verifyPath(b)).firstBad).toMatchObject({ seq: 2, reason: expect.stringMatching(/differs/) });

      const d = await copy(dir);
      const jf = await journalFile(d);
      const lines = (await fsp.readFile(jf, 'utf8')).trimEnd().split('\n');
      const swapped = [...lines];
      [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
      await fsp.writeFile(jf, swapped.join('\n') + '\n');
      expect((await verifyPath(d)).firstBad).toMatchObject({ camera: 'cam1', reason: expect.stringMatching(/sequence break/) });

      const d2 = await copy(dir);
      const jf2 = await journalFile(d2);
      await fsp.writeFile(jf2, lines.filter((_, i) => i !== 3).join('\n') + '\n');
      expect((await verifyPath(d2)).ok).toBe(false);
    });

    it('a valid segment from elsewhere substituted for one of ours is detected', async () => {
      const foreign = path.join(root, 'foreign.ts');
      execFileSync('gst-launch-1.0', ['-q', 'videotestsrc', 'num-buffers=30', '!', 'video/x-raw,width=320,height=180', '!', 'x264enc', '!', 'h264parse', '!', 'mpegtsmux', '!', 'filesink', `location=${foreign}`]);
      expect((await probeFile(foreign)).playable).toBe(true);
      const b = await copy(bundle);
      await fsp.copyFile(foreign, (await bundleFiles(b))[0]!);
      expect((await verifyPath(b)).firstBad).toMatchObject({ seq: 1 });

      const d = await copy(dir);
      await fsp.copyFile(foreign, (await dirSegments(d))[3]!);
      expect((await verifyPath(d)).firstBad).toMatchObject({ seq: 4 });
    });

    it('manifest edits, index edits and stripped signatures are detected', async () => {
      const b = await copy(bundle);
      const mp = path.join(b, 'manifest.json');
      const m = JSON.parse(await fsp.readFile(mp, 'utf8'));
      m.sessions[0].lotIds = ['L-9'];
      await fsp.writeFile(mp, JSON.stringify(m, null, 2) + '\n');
      expect((await verifyPath(b)).problems.map((p) => p.reason)).toContain('manifest signature invalid (manifest edited or signed by another key)');

      // Re-signed by a forger with their own key: only a pinned appliance key catches it.
      const forger = generateKeyPairSync('ed25519');
      m.publicKeyPem = forger.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const body = Buffer.from(JSON.stringify(m, null, 2) + '\n');
      await fsp.writeFile(mp, body);
      await fsp.writeFile(path.join(b, 'manifest.sig'), sign(null, body, forger.privateKey).toString('base64'));
      const pinned = await verifyPath(b, { publicKeyPem: recorder.publicKeyPem });
      expect(pinned.ok).toBe(false);

      const b2 = await copy(bundle);
      await fsp.rm(path.join(b2, 'manifest.sig'));
      expect((await verifyPath(b2)).problems.map((p) => p.reason)).toContain('manifest signature missing (stripped)');

      const d = await copy(dir);
      const jf = await journalFile(d);
      const text = await fsp.readFile(jf, 'utf8');
      await fsp.writeFile(jf, text.replace(/,"sig":"[^"]+"/, ''));
      expect((await verifyPath(d)).problems.map((p) => p.reason)).toContain('checkpoint signature missing (stripped)');

      const d2 = await copy(dir);
      const jf2 = await journalFile(d2);
      await fsp.writeFile(jf2, (await fsp.readFile(jf2, 'utf8')).replace('"sessionId":"S-1"', '"sessionId":"S-2"'));
      expect((await verifyPath(d2)).firstBad).toMatchObject({ seq: 1, reason: expect.stringMatching(/altered/) });

      // Rewriting the whole chain consistently still contradicts the signed checkpoints.
      const d3 = await copy(dir);
      const { computeLink } = await import('../../src/recording/chain');
      const jf3 = await journalFile(d3);
      let prev = '0'.repeat(64);
      const rewritten = (await fsp.readFile(jf3, 'utf8'))
        .trimEnd()
        .split('\n')
        .map((l) => {
          const o = JSON.parse(l);
          if (o.kind === 'checkpoint') return l;
          o.lotIds = ['L-forged'];
          o.prevLink = prev;
          o.link = computeLink(o);
          prev = o.link;
          return JSON.stringify(o);
        });
      await fsp.writeFile(jf3, rewritten.join('\n') + '\n');
      expect((await verifyPath(d3)).problems.map((p) => p.reason)).toContain('signed checkpoint does not match the chain (entries rewritten)');
    });

    it('the CLI exports a session bundle from a recording directory', async () => {
      const out = path.join(root, 'cli-bundle');
      const key = path.join(root, 'secrets', 'recording.pem');
      expect(await footageCli(['export', '--session', 'S-1', '--out', out, '--data-dir', dir, '--key', key, '--appliance', 'appl-1'])).toBe(0);
      expect((await verifyPath(out, { publicKeyPem: recorder.publicKeyPem })).ok).toBe(true);
      expect(await footageCli(['export', '--session', 'NOPE', '--out', path.join(root, 'x'), '--data-dir', dir, '--key', key])).toBe(1);
    });
  });
});
