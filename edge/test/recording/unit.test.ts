import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { GENESIS_LINK, canonicalJson, computeLink, linkEntry, loadOrCreateSigningKey, signCheckpoint, verifyCheckpointSignature } from '../../src/recording/chain';
import { Journal, readJournal } from '../../src/recording/journal';
import { buildPipelineArgs, parseBusLine, parseDiscovererStreams, streamInfoFromCodecs } from '../../src/recording/pipeline';
import { planRetention, type RetentionInput, type RetentionSegment } from '../../src/recording/retention';
import { tempDir } from './helpers';

describe('pipeline', () => {
  it('stream-copies RTSP H.264 with AAC into MPEG-TS segments without any encoder', () => {
    const args = buildPipelineArgs({ source: { type: 'rtsp', url: 'rtsp://cam/x' }, info: { video: 'h264', audio: 'aac' }, location: '/r/c/incoming/r1-%05d.ts', segmentSeconds: 10 });
    const s = args.join(' ');
    expect(s).toContain('rtph264depay ! h264parse');
    expect(s).toContain('rtpmp4gdepay ! aacparse ! queue ! mux.audio_0');
    expect(s).toContain('max-size-time=10000000000');
    expect(s).toContain('muxer-factory=mpegtsmux');
    expect(s).not.toMatch(/x264enc|avdec|decodebin/);
    expect(args.slice(0, 2)).toEqual(['-m', '-e']);
  });

  it('links audio only when the camera sends storable audio; H.265 uses its own depayloader', () => {
    const s = buildPipelineArgs({ source: { type: 'rtsp', url: 'rtsp://c' }, info: { video: 'h265', audio: null }, location: 'x-%05d.ts', segmentSeconds: 4 }).join(' ');
    expect(s).toContain('rtph265depay ! h265parse');
    expect(s).not.toContain('audio');
    expect(streamInfoFromCodecs({ video: 'H.264 (High Profile)', audio: 'A-law' })).toEqual({ video: 'h264', audio: null, droppedAudio: 'A-law' });
    expect(streamInfoFromCodecs({ video: 'MJPEG', audio: null })).toMatchObject({ error: expect.stringMatching(/transcoding/) });
  });

  it('encodes test sources once; v4l2 H.264 cameras are copied', () => {
    expect(buildPipelineArgs({ source: { type: 'test', pattern: 'ball' }, location: 'x', segmentSeconds: 2 }).join(' ')).toContain('x264enc');
    expect(buildPipelineArgs({ source: { type: 'v4l2', device: '/dev/video0' }, v4l2H264: true, location: 'x', segmentSeconds: 2 }).join(' ')).not.toContain('x264enc');
  });

  it('parses splitmuxsink bus lines, including escaped locations', () => {
    expect(parseBusLine('Got message #254 from element "mux" (element): splitmuxsink-fragment-opened, location=(string)/tmp/rt/run-00000.ts, running-time=(guint64)44520483, sink=(GstElement)"\\(GstFileSink\\)\\ sink";')).toEqual({
      type: 'opened',
      location: '/tmp/rt/run-00000.ts',
      runningTimeNs: 44520483n,
    });
    expect(parseBusLine('Got message #9 from element "mux" (element): splitmuxsink-fragment-closed, location=(string)"/tmp/a\\ b/r-00001.ts", running-time=(guint64)2020473521;')).toMatchObject({ type: 'closed', location: '/tmp/a b/r-00001.ts' });
    expect(parseBusLine('ERROR: from element /GstPipeline:pipeline0/GstRTSPSrc:src: Could not open resource.')).toMatchObject({ type: 'error' });
    expect(parseBusLine('Setting pipeline to PLAYING ...')).toBeNull();
    expect(parseDiscovererStreams('  container #0: application/rtsp\n      audio #1: MPEG-4 AAC\n      video #3: H.264 (Constrained Baseline Profile)\n')).toEqual({ video: 'H.264 (Constrained Baseline Profile)', audio: 'MPEG-4 AAC' });
  });
});

describe('retention planner', () => {
  const seg = (seq: number, sessionId: string | null, ageH: number): RetentionSegment => ({
    camera: 'c',
    seq,
    file: `c/${seq}.ts`,
    size: 10,
    sha256: 'a'.repeat(64),
    sessionId,
    start: new Date(Date.UTC(2026, 0, 10) - ageH * 3600e3),
  });
  const base: RetentionInput = {
    now: new Date(Date.UTC(2026, 0, 10)),
    usedPct: 50,
    totalBytes: 1000,
    highWatermarkPct: 90,
    lowWatermarkPct: 80,
    idlePaused: false,
    segments: [seg(1, null, 5), seg(2, 'S1', 4), seg(3, null, 3), seg(4, 'S2', 2)],
    acknowledgedSessions: new Set(),
    sessionRetentionMs: 15 * 365 * 24 * 3600e3,
  };

  it('does nothing below the high watermark', () => {
    expect(planRetention(base)).toEqual({ recordIdle: true, recordSession: true, deletions: [], level: 'ok' });
  });

  it('at the high watermark stops idle recording and deletes idle footage oldest first, never unarchived session footage', () => {
    const p = planRetention({ ...base, usedPct: 95 });
    expect(p.recordIdle).toBe(false);
    expect(p.deletions.map((d) => d.seq)).toEqual([1, 3]);
    expect(p.level).toBe('full');
  });

  it('stops deleting once below the low watermark', () => {
    const many = Array.from({ length: 20 }, (_, i) => seg(i + 1, null, 40 - i));
    const p = planRetention({ ...base, usedPct: 91, segments: many });
    // 910 of 1000 bytes used, target 800: eleven 10-byte segments, the oldest ones.
    expect(p.deletions.map((d) => d.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(p.level).toBe('high');
  });

  it('archived session footage goes only after its retention; acknowledged but young footage stays', () => {
    const ack = new Set(['S1', 'S2']);
    expect(planRetention({ ...base, usedPct: 99, acknowledgedSessions: ack }).deletions.map((d) => d.seq)).toEqual([1, 3]);
    const expired = planRetention({ ...base, usedPct: 99, acknowledgedSessions: new Set(['S1']), sessionRetentionMs: 3.5 * 3600e3 });
    expect(expired.deletions.map((d) => d.seq)).toEqual([1, 3, 2]);
  });

  it('idle recording resumes only below the low watermark (hysteresis)', () => {
    expect(planRetention({ ...base, usedPct: 85, idlePaused: true }).recordIdle).toBe(false);
    expect(planRetention({ ...base, usedPct: 79, idlePaused: true }).recordIdle).toBe(true);
  });
});

describe('hash chain, signatures and journal', () => {
  it('canonical JSON ignores key order; the link covers every field', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    const e = linkEntry({ v: 1, kind: 'gap', camera: 'c', seq: 1, prevLink: GENESIS_LINK, sessionId: null, lotIds: [], from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T00:00:05.000Z', reason: 'x' });
    expect(computeLink(e)).toBe(e.link);
    expect(computeLink({ ...e, reason: 'y' })).not.toBe(e.link);
    expect(computeLink({ ...e, prevLink: 'f'.repeat(64) })).not.toBe(e.link);
  });

  it('creates the Ed25519 key once (0600) and checkpoints verify only unaltered', async () => {
    const dir = await tempDir('key');
    const keyPath = path.join(dir, 'secrets', 'k.pem');
    const k1 = await loadOrCreateSigningKey(keyPath);
    const k2 = await loadOrCreateSigningKey(keyPath);
    expect(k2.keyId).toBe(k1.keyId);
    expect((await fsp.stat(keyPath)).mode & 0o777).toBe(0o600);
    const cp = signCheckpoint(k1, { v: 1, kind: 'checkpoint', applianceId: 'a', camera: 'c', seq: 3, link: 'b'.repeat(64), at: '2026-01-01T00:00:00.000Z' });
    expect(verifyCheckpointSignature(k1.publicKey, cp)).toBe(true);
    expect(verifyCheckpointSignature(k1.publicKey, { ...cp, seq: 4 })).toBe(false);
    expect(verifyCheckpointSignature(k1.publicKey, { ...cp, sig: undefined })).toBe(false);
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('ignores a torn last line and cuts it off before appending', async () => {
    const dir = await tempDir('journal');
    const j = new Journal(dir, () => new Date(Date.UTC(2026, 0, 1)));
    const gap = linkEntry({ v: 1, kind: 'gap', camera: 'c', seq: 1, prevLink: GENESIS_LINK, sessionId: null, lotIds: [], from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T00:00:05.000Z', reason: 'x' });
    await j.append([gap]);
    await j.close();
    const file = path.join(dir, 'journal', '2026-01-01.jsonl');
    await fsp.appendFile(file, '{"v":1,"kind":"seg');
    const torn = await readJournal(dir);
    expect(torn.lines).toHaveLength(1);
    expect(torn.tornTails).toEqual([{ file: '2026-01-01.jsonl', bytes: 18 }]);
    const j2 = new Journal(dir, () => new Date(Date.UTC(2026, 0, 1)));
    await j2.append([{ ...gap, seq: 2 }]);
    await j2.close();
    const after = await readJournal(dir);
    expect(after.lines.map((l) => (l as { seq: number }).seq)).toEqual([1, 2]);
    expect(after.tornTails).toEqual([]);
    await fsp.appendFile(file, 'not json\n');
    expect((await readJournal(dir)).invalid).toHaveLength(1);
    await fsp.rm(dir, { recursive: true, force: true });
  });
});

describe('recorder options from the appliance config', () => {
  it('places recordings and the key under the data and secrets dirs, with the configured policy', async () => {
    const { EdgeConfig } = await import('@evalroom/contracts');
    const { recorderOptionsFromConfig } = await import('../../src/recording');
    const cfg = EdgeConfig.parse({ applianceId: 'a1', roomId: 'r1', dataDir: '/data', secretsDir: '/sec', recording: { segmentSeconds: 6, highWatermarkPct: 85, lowWatermarkPct: 70, checkpointEverySegments: 3, enabled: true } });
    const o = recorderOptionsFromConfig(cfg, [{ cameraId: 'c', source: { type: 'test', pattern: 'ball' } }]);
    expect(o).toMatchObject({ applianceId: 'a1', dir: '/data/recordings', keyPath: '/sec/recording-ed25519.pem', segmentSeconds: 6, highWatermarkPct: 85, lowWatermarkPct: 70, checkpointEverySegments: 3 });
    expect(recorderOptionsFromConfig(EdgeConfig.parse({ applianceId: 'a1', roomId: 'r1', dataDir: '/d', recording: { dir: '/mnt/rec', enabled: true, segmentSeconds: 10, highWatermarkPct: 90, lowWatermarkPct: 80, checkpointEverySegments: 6 } }), []).dir).toBe('/mnt/rec');
  });
});
