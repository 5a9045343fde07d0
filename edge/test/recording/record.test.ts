import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { createRecorder, initRecordingDisk, startTestCamera, verifyPath, type RecordingService, type TestCamera } from '../../src/recording';
import { readJournal } from '../../src/recording/journal';
import { probeFile } from '../../src/recording/probe';
import { segmentsOf, sleep, tempDir, waitFor } from './helpers';

jest.setTimeout(120_000);

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
    await waitFor('recording', () => recorder.health().cameras[0]!.segments >= 1, 30_000);
    await sleep(25_000);
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
});
