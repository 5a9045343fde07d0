import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { StreamSource } from './pipeline';

/**
 * Environment for a camera's gst-launch-1.0 process: it loads only what recording needs.
 * Every camera runs its own process (crash isolation), so whatever one loads is paid per camera.
 * Measured on a 1080p RTSP recording (GStreamer 1.22): 20.3 MB RSS by default; 17.3 MB without
 * GIO's modules (proxy resolvers pull in libproxy and libstdc++, dconf settings) and without
 * rtspsrc's RealMedia/WMS extensions (asf, realmedia, riff); 15.3 MB when the registry holds only
 * the plugins the pipeline uses (its parsed registry was 2 MB of private heap).
 */

const COMMON = ['coreelements', 'multifile', 'mpegtsmux', 'videoparsersbad', 'debugutilsbad'];

/** Plugins each source's pipeline (pipeline.ts) uses; null: keep the full registry. */
export function pluginsFor(source: StreamSource, v4l2H264 = false): string[] | null {
  switch (source.type) {
    case 'rtsp':
      return [...COMMON, 'rtsp', 'rtp', 'rtpmanager', 'udp', 'audioparsers'];
    case 'test':
      return [...COMMON, 'videotestsrc', 'videoconvertscale', 'pango', 'x264'];
    case 'v4l2':
      // Raw cameras go through decodebin, which may want any decoder.
      return v4l2H264 ? [...COMMON, 'video4linux2'] : null;
  }
}

/** Folder of the system's GStreamer plugins, from where coreelements lives; null if unknown. */
export function findPluginDir(gstInspect = 'gst-inspect-1.0'): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(gstInspect, ['coreelements'], { timeout: 15_000 }, (err, stdout) => {
      const file = /^\s*Filename\s+(\S+)\s*$/m.exec(String(stdout ?? ''))?.[1];
      resolve(!err && file ? path.dirname(file) : null);
    });
  });
}

export interface GstEnv {
  env: NodeJS.ProcessEnv;
  /** Why the full plugin registry is used, when it is (logged once by the caller). */
  fallback?: string;
}

/**
 * Builds the environment. `cacheDir` (not on the recording disk) holds a folder of links to the
 * needed plugins and its registry; missing plugins fall back to the full registry.
 */
export async function prepareGstEnv(
  o: { source: StreamSource; v4l2H264?: boolean; cacheDir: string; pluginDir: string | null },
  base: NodeJS.ProcessEnv = process.env,
): Promise<GstEnv> {
  const env: NodeJS.ProcessEnv = { ...base };
  // GIO modules are proxy resolvers, settings backends and TLS; only rtsps:// needs TLS.
  if (!(o.source.type === 'rtsp' && /^rtsps/i.test(o.source.url))) {
    const none = path.join(o.cacheDir, 'no-gio-modules');
    await fsp.mkdir(none, { recursive: true });
    env.GIO_MODULE_DIR = none;
  }
  const plugins = pluginsFor(o.source, o.v4l2H264);
  if (!plugins) return { env };
  if (!o.pluginDir) return { env, fallback: 'GStreamer plugin folder not found' };
  const missing = plugins.filter((p) => !existsSync(path.join(o.pluginDir!, `libgst${p}.so`)));
  if (missing.length) return { env, fallback: `plugins not installed as expected: ${missing.join(', ')}` };
  const id = createHash('sha256').update(`${o.pluginDir}\n${[...plugins].sort().join(',')}`).digest('hex').slice(0, 12);
  const dir = path.join(o.cacheDir, `plugins-${id}`);
  await fsp.mkdir(dir, { recursive: true });
  for (const p of plugins) {
    const link = path.join(dir, `libgst${p}.so`);
    try {
      await fsp.symlink(path.join(o.pluginDir, `libgst${p}.so`), link);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  env.GST_PLUGIN_SYSTEM_PATH_1_0 = dir;
  env.GST_REGISTRY_1_0 = `${dir}.registry.bin`;
  return { env };
}
