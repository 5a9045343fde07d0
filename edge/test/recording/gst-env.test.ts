import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { findPluginDir, pluginsFor, prepareGstEnv } from '../../src/recording/gst-env';
import { tempDir } from './helpers';

jest.setTimeout(60_000);

const inspect = (element: string, env: NodeJS.ProcessEnv): Promise<boolean> =>
  new Promise((resolve) => execFile('gst-inspect-1.0', [element], { env }, (err) => resolve(!err)));

describe('lean pipeline environment', () => {
  let cache: string;
  beforeAll(async () => {
    cache = await tempDir('gstenv');
  });
  afterAll(async () => {
    await fsp.rm(cache, { recursive: true, force: true });
  });

  it('an RTSP camera process finds every element its pipeline uses, without rtspsrc extensions or GIO modules', async () => {
    const pluginDir = await findPluginDir();
    expect(pluginDir).toMatch(/gstreamer-1\.0$/);
    const { env, fallback } = await prepareGstEnv({ source: { type: 'rtsp', url: 'rtsp://127.0.0.1/cam' }, cacheDir: cache, pluginDir });
    expect(fallback).toBeUndefined();
    expect(env.GIO_MODULE_DIR).toBe(path.join(cache, 'no-gio-modules'));
    for (const el of ['rtspsrc', 'rtph264depay', 'rtph265depay', 'rtpmp4gdepay', 'h264parse', 'h265parse', 'aacparse', 'watchdog', 'queue', 'splitmuxsink', 'mpegtsmux', 'filesink']) {
      expect({ el, found: await inspect(el, env) }).toEqual({ el, found: true });
    }
    // rtspsrc's RealMedia/WMS extensions (and their demuxer libraries) are no longer loaded.
    expect(await inspect('rtspreal', env)).toBe(false);
    expect(await inspect('rtspreal', process.env)).toBe(true);
    // A second camera reuses the same folder of links.
    const again = await prepareGstEnv({ source: { type: 'rtsp', url: 'rtsp://127.0.0.1/other' }, cacheDir: cache, pluginDir });
    expect(again.env.GST_PLUGIN_SYSTEM_PATH_1_0).toBe(env.GST_PLUGIN_SYSTEM_PATH_1_0);
  });

  it('test sources get their encoder; rtsps keeps TLS; raw V4L2 and unknown layouts keep the full registry', async () => {
    const pluginDir = await findPluginDir();
    const t = await prepareGstEnv({ source: { type: 'test', pattern: 'ball' }, cacheDir: cache, pluginDir });
    for (const el of ['videotestsrc', 'timeoverlay', 'videoconvert', 'x264enc', 'h264parse', 'splitmuxsink']) expect({ el, found: await inspect(el, t.env) }).toEqual({ el, found: true });
    const tls = await prepareGstEnv({ source: { type: 'rtsp', url: 'rtsps://cam/x' }, cacheDir: cache, pluginDir }, {});
    expect(tls.env.GIO_MODULE_DIR).toBeUndefined();
    expect(pluginsFor({ type: 'v4l2', device: '/dev/video0' })).toBeNull();
    expect(pluginsFor({ type: 'v4l2', device: '/dev/video0' }, true)).toContain('video4linux2');
    const raw = await prepareGstEnv({ source: { type: 'v4l2', device: '/dev/video0' }, cacheDir: cache, pluginDir }, {});
    expect(raw.env.GST_PLUGIN_SYSTEM_PATH_1_0).toBeUndefined();
    const elsewhere = await prepareGstEnv({ source: { type: 'rtsp', url: 'rtsp://c/x' }, cacheDir: cache, pluginDir: path.join(cache, 'nowhere') }, {});
    expect(elsewhere.fallback).toMatch(/not installed as expected: coreelements/);
    expect(elsewhere.env.GST_PLUGIN_SYSTEM_PATH_1_0).toBeUndefined();
  });
});
