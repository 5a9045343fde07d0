import { DeviceConfig } from '@evalroom/contracts';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fpsFraction, GstCamera, stillPipelineArgs, type CameraFrame } from '../../src/camera';
import type { CameraPort } from '../../src/ports';
import { createRealDevice } from '../../src/real';
import { nextEvent, waitFor } from '../helpers/wait';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('GstCamera', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'evalroom-cam-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns a frame that arrived after the call (never the stale latest), with growing sequence numbers', async () => {
    const cam = new GstCamera({ source: { type: 'test', pattern: 'ball' }, stillWidth: 160, stillFps: 5 });
    await cam.start();
    try {
      const first = await cam.capture();
      await new Promise((r) => setTimeout(r, 500)); // newer frames arrive meanwhile; capture must wait for one after the call
      const asked = Date.now();
      const second = await cam.capture();
      expect(second.capturedAt.getTime()).toBeGreaterThanOrEqual(asked);
      expect(second.sequence).toBeGreaterThan(first.sequence + 1);
      expect([second.width, second.height]).toEqual([160, 120]);
      expect(cam.health()).toMatchObject({ present: true, detail: { state: 'live', source: 'test' } });
    } finally {
      await cam.stop();
    }
  }, 20_000);

  it('fails capture with a clear error when no frame comes, reports the stall as streamLost, and kills the whole process group on stop', async () => {
    // A "gst-launch" that never writes a frame and forks a grandchild (as decoders/helpers may).
    const fake = join(dir, 'silent-gst.sh');
    const pids = join(dir, 'pids');
    writeFileSync(fake, `#!/bin/sh\nsleep 300 &\necho "$$ $!" > ${pids}\nwait\n`);
    chmodSync(fake, 0o755);
    const cam = new GstCamera({ source: { type: 'test', pattern: 'smpte' }, gstLaunch: fake, captureTimeoutMs: 300, staleAfterMs: 1500, reconnectMinMs: 60_000 });
    await cam.start();
    await waitFor(() => {
      try {
        return readFileSync(pids, 'utf8').trim().split(' ').length === 2;
      } catch {
        return false;
      }
    }, 5000, 'fake pipeline started');
    const [shell, grandchild] = readFileSync(pids, 'utf8').trim().split(' ').map(Number) as [number, number];
    await expect(cam.capture()).rejects.toThrow(/no camera frame within 300 ms/);
    const lost = await nextEvent<[string]>(cam, 'streamLost', 5000);
    expect(lost[0]).toMatch(/no frame for 1500 ms/);
    expect(cam.health()).toMatchObject({ present: false, detail: { state: 'lost' } });
    await expect(cam.capture()).rejects.toThrow(/stream lost/);
    // The stall killed the group already; start a fresh pipeline and check stop() does the same.
    await waitFor(() => !alive(shell) && !alive(grandchild), 3000, 'stalled pipeline group gone');
    await cam.stop();

    rmSync(pids);
    const cam2 = new GstCamera({ source: { type: 'test', pattern: 'smpte' }, gstLaunch: fake });
    await cam2.start();
    await waitFor(() => {
      try {
        return readFileSync(pids, 'utf8').trim().split(' ').length === 2;
      } catch {
        return false;
      }
    }, 5000, 'second fake pipeline started');
    const [shell2, grandchild2] = readFileSync(pids, 'utf8').trim().split(' ').map(Number) as [number, number];
    expect(alive(grandchild2)).toBe(true);
    await cam2.stop();
    await waitFor(() => !alive(shell2) && !alive(grandchild2), 3000, 'group killed on stop');
  }, 20_000);

  it('reports a missing gst-launch as a lost stream with the reason', async () => {
    const cam = new GstCamera({ source: { type: 'test', pattern: 'smpte' }, gstLaunch: join(dir, 'no-such-binary'), reconnectMinMs: 60_000 });
    const lost = nextEvent<[string]>(cam, 'streamLost', 5000);
    await cam.start();
    expect((await lost)[0]).toMatch(/ENOENT|no-such-binary/);
    expect(cam.health().errors).toBeGreaterThan(0);
    await cam.stop();
  });

  it('builds the still pipeline per source; gst-launch accepts each description', () => {
    const base = { width: 320, fps: 2.5, boundary: 'b' };
    expect(fpsFraction(2.5)).toBe('5/2');
    expect(fpsFraction(0.5)).toBe('1/2');
    const rtsp = stillPipelineArgs({ ...base, source: { type: 'rtsp', url: 'rtsp://u:p@10.0.0.2:554/s?a=1&b=2' } });
    expect(rtsp).toContain('location=rtsp://u:p@10.0.0.2:554/s?a=1&b=2');
    expect(rtsp).toContain('protocols=tcp');
    expect(stillPipelineArgs({ ...base, source: { type: 'v4l2', device: '/dev/video3' } })).toContain('device=/dev/video3');
    // The element chain parses (gst-inspect finds every element used).
    for (const el of ['rtspsrc', 'v4l2src', 'videotestsrc', 'decodebin', 'videorate', 'videoscale', 'videoconvert', 'jpegenc', 'multipartmux', 'fdsink']) {
      expect(() => execFileSync('gst-inspect-1.0', ['--exists', el])).not.toThrow();
    }
  });

  it('is created from configuration: exactly one source, validated options', async () => {
    const cfg = (options: Record<string, unknown>) => DeviceConfig.parse({ deviceId: 'cam-1', kind: 'camera', driver: 'real', options });
    await expect(createRealDevice(cfg({ testPattern: 'ball', rtspUrl: 'rtsp://x/y' }))).rejects.toThrow(/exactly one of rtspUrl, v4l2Device, testPattern/);
    await expect(createRealDevice(cfg({ rtspUrl: 'http://x/y' }))).rejects.toThrow(/rtspUrl/);
    await expect(createRealDevice(cfg({ v4l2Device: 'video0' }))).rejects.toThrow(/v4l2Device/);
    await expect(createRealDevice(cfg({ testPattern: 'ball', stillFps: 100 }))).rejects.toThrow(/stillFps/);
    await expect(createRealDevice(cfg({ testPattern: 'ball', zoom: 2 }))).rejects.toThrow(/Unrecognized key/i);
    expect((await createRealDevice(cfg({ v4l2Device: '/dev/video0' })) as CameraPort).streamSource()).toEqual({ type: 'v4l2', device: '/dev/video0' });
    const cam = (await createRealDevice(cfg({ testPattern: 'snow', stillWidth: 200 }))) as CameraPort;
    expect([cam.kind, cam.driver]).toEqual(['camera', 'real']);
    await cam.start();
    try {
      const still = (await cam.capture()) as CameraFrame;
      expect([still.format, still.width, still.height]).toEqual(['jpeg', 200, 150]);
    } finally {
      await cam.stop();
    }
  }, 20_000);
});
