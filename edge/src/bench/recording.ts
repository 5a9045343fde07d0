/**
 * Recording benchmark: CPU and memory of 8 simultaneous 1080p RTSP recordings through the
 * RecordingService (its node process plus its gst-launch pipelines), against 8 bare gst-launch
 * processes running the identical pipeline in the same run; then a 100-kill campaign.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { initRecordingDisk } from '../recording/disk';
import { findPluginDir, prepareGstEnv } from '../recording/gst-env';
import { readJournal } from '../recording/journal';
import { buildPipelineArgs } from '../recording/pipeline';
import { probeFile, probeRtsp } from '../recording/probe';
import { startTestCamera } from '../recording/testcam/launcher';
import { verifyPath } from '../recording/verify';

const CAMERAS = 8;
const WARMUP_MS = 8000;
const WINDOW_MS = 20_000;
const KILLS = 100;
const TICK = 100; // clock ticks per second on Linux

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0;
  }
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Proportional set size: shared library pages split between the processes that map them. */
function pssMb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU of the given processes over a window, in % of one core. */
async function measureCpu(pids: () => number[], windowMs: number): Promise<number> {
  const before = new Map(pids().map((p) => [p, cpuTicks(p)]));
  const t0 = Date.now();
  await sleep(windowMs);
  const elapsed = (Date.now() - t0) / 1000;
  let ticks = 0;
  for (const p of pids()) ticks += cpuTicks(p) - (before.get(p) ?? cpuTicks(p));
  return (ticks / TICK / elapsed) * 100;
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('close', () => resolve());
          c.kill('SIGINT');
          setTimeout(() => c.kill('SIGKILL'), 5000).unref();
        }),
    ),
  );
}

/**
 * 8 bare gst-launch processes with the recorder's pipeline. `env`: the recorder's lean pipeline
 * environment (gst-env.ts) for the like-for-like baseline, or this process's for GStreamer's
 * defaults. `cpu: false` only samples memory.
 */
async function baseline(url: string, dir: string, env: NodeJS.ProcessEnv, cpu = true): Promise<{ cpu: number; rss: number; pss: number }> {
  const info = await probeRtsp(url);
  if ('error' in info) throw new Error(info.error);
  const children: ChildProcess[] = [];
  const tag = cpu ? 'base' : 'default';
  for (let i = 0; i < CAMERAS; i++) {
    const out = path.join(dir, `${tag}${i}`);
    await fsp.mkdir(out, { recursive: true });
    const args = buildPipelineArgs({ source: { type: 'rtsp', url }, info, location: path.join(out, 'r-%05d.ts'), segmentSeconds: 10 });
    children.push(spawn('gst-launch-1.0', args, { stdio: 'ignore', env }));
  }
  await sleep(WARMUP_MS);
  const pids = () => children.map((c) => c.pid!).filter(Boolean);
  const used = cpu ? await measureCpu(pids, WINDOW_MS) : 0;
  const rss = pids().reduce((n, p) => n + rssMb(p), 0) / CAMERAS;
  const pss = pids().reduce((n, p) => n + pssMb(p), 0) / CAMERAS;
  await stopAll(children);
  return { cpu: used, rss, pss };
}

async function service(url: string, dir: string): Promise<{ cpu: number; rss: number; pss: number; serviceRss: number; pipelineRss: number; loadedRss: number }> {
  const rec = path.join(dir, 'svc');
  await initRecordingDisk(rec);
  const opts = {
    applianceId: 'bench',
    dir: rec,
    keyPath: path.join(dir, 'secrets', 'k.pem'),
    cameras: Array.from({ length: CAMERAS }, (_, i) => ({ cameraId: `cam${i}`, source: { type: 'rtsp', url } })),
    segmentSeconds: 10,
    sessionId: 'BENCH',
  };
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'recording', 'bench-child.js'), JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let camPids: number[] = [];
  let loadedRss = 0;
  readline.createInterface({ input: child.stdout! }).on('line', (l) => {
    if (l.startsWith('PIDS ')) camPids = (JSON.parse(l.slice(5)) as Array<number | null>).filter((p): p is number => p !== null);
    if (l.startsWith('LOADED_RSS_KB ')) loadedRss = Number(l.slice(14)) / 1024;
  });
  await sleep(WARMUP_MS + 2000);
  const pids = () => [child.pid!, ...camPids];
  const cpu = await measureCpu(pids, WINDOW_MS);
  const serviceRss = rssMb(child.pid!);
  const pipelineRss = camPids.reduce((n, p) => n + rssMb(p), 0);
  const rss = (serviceRss + pipelineRss) / CAMERAS;
  const pss = (pssMb(child.pid!) + camPids.reduce((n, p) => n + pssMb(p), 0)) / CAMERAS;
  await new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
  });
  return { cpu, rss, pss, serviceRss, pipelineRss: camPids.length ? pipelineRss / camPids.length : 0, loadedRss };
}

/** The recording service in its own process (bench-child), so it can be killed -9 too. */
function startServiceProcess(opts: Record<string, unknown>): { child: ChildProcess; pids: () => number[]; exited: Promise<void> } {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'recording', 'bench-child.js'), JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let camPids: number[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (l) => {
    if (l.startsWith('PIDS ')) camPids = (JSON.parse(l.slice(5)) as Array<number | null>).filter((p): p is number => p !== null);
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { child, pids: () => camPids, exited };
}

/**
 * 100 kill -9 at random moments: four in five hit the camera's pipeline process, one in five the
 * whole recording service (which is then restarted, as systemd would).
 */
export async function killCampaign(dir: string): Promise<{ kills: number; unplayable: number; maxGapS: number; serviceKills: number }> {
  const rec = path.join(dir, 'kill');
  await initRecordingDisk(rec);
  const opts = {
    applianceId: 'bench',
    dir: rec,
    keyPath: path.join(dir, 'secrets', 'k.pem'),
    cameras: [{ cameraId: 'camk', source: { type: 'test', pattern: 'smpte' }, test: { width: 640, height: 360, fps: 15, bitrateKbps: 600 } }],
    segmentSeconds: 2,
    backoff: { initialMs: 100, maxMs: 400 },
    sessionId: 'KILL',
  };
  let svc = startServiceProcess(opts);
  let kills = 0;
  let serviceKills = 0;
  let lastPid = 0;
  for (let i = 0; i < KILLS; i++) {
    const until = Date.now() + 30_000;
    let pid: number | undefined;
    while (Date.now() < until) {
      pid = svc.pids()[0];
      if (pid && pid !== lastPid) break;
      await sleep(20);
    }
    if (!pid || pid === lastPid) break;
    await sleep(300 + Math.random() * 2500);
    lastPid = pid;
    if (i % 5 === 4) {
      svc.child.kill('SIGKILL');
      await svc.exited;
      kills++;
      serviceKills++;
      svc = startServiceProcess(opts);
      continue;
    }
    try {
      process.kill(pid, 'SIGKILL');
      kills++;
    } catch {
      /* already gone */
    }
  }
  await sleep(4000);
  svc.child.kill('SIGTERM');
  await svc.exited;
  const lines = (await readJournal(rec)).lines;
  let unplayable = 0;
  for (const l of lines) if (l.kind === 'segment' && !(await probeFile(path.join(rec, l.file), true)).playable) unplayable++;
  let maxGap = 0;
  for (const l of lines) if (l.kind === 'gap') maxGap = Math.max(maxGap, (Date.parse(l.to) - Date.parse(l.from)) / 1000);
  const report = await verifyPath(rec);
  if (!report.ok) process.stderr.write(`recording bench: kill campaign directory does not verify: ${JSON.stringify(report.problems.slice(0, 5))}\n`);
  // A chain that no longer verifies counts as footage we cannot stand behind.
  return { kills, serviceKills, unplayable: unplayable + (report.ok ? 0 : 1_000_000), maxGapS: Math.round(maxGap * 100) / 100 };
}

/** CPU and memory of 8 × 1080p (service and bare baselines) without the kill campaign. */
export async function measureResources(dir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const cam = await startTestCamera({ width: 1920, height: 1080, fps: 15, bitrateKbps: 4000 });
  try {
    // Connect the shared camera once so its encoder is warm before either measurement.
    // The service starts its pipelines in this lean environment; the baseline uses the same.
    const lean = await prepareGstEnv({ source: { type: 'rtsp', url: cam.url }, cacheDir: path.join(dir, 'gst'), pluginDir: await findPluginDir() });
    const base = await baseline(cam.url, dir, lean.env);
    const svc = await service(cam.url, dir);
    const stock = await baseline(cam.url, dir, process.env, false);
    out['recording.cpu_8x1080p.pct_one_core'] = Math.round(svc.cpu * 100) / 100;
    out['recording.rss_per_camera_mb'] = Math.round(svc.rss * 10) / 10;
    out['recording.cpu.ratio_to_gst_launch'] = base.cpu > 0 ? Math.round((svc.cpu / base.cpu) * 100) / 100 : -1;
    out['recording.gst_launch_8x1080p.pct_one_core'] = Math.round(base.cpu * 100) / 100;
    // RSS counts the shared GStreamer libraries once per camera process; PSS splits them.
    out['recording.pss_per_camera_mb'] = Math.round(svc.pss * 10) / 10;
    out['recording.gst_launch_rss_per_camera_mb'] = Math.round(base.rss * 10) / 10;
    // Where the memory is: the service's node process (charged whole to the cameras above, though
    // on the appliance the recorder lives in the edge runtime's process) and one pipeline.
    out['recording.service_process_rss_mb'] = Math.round(svc.serviceRss * 10) / 10;
    out['recording.pipeline_rss_mb'] = Math.round(svc.pipelineRss * 10) / 10;
    // Of the service's RSS, what node plus the loaded modules take before any camera runs.
    out['recording.service_process_rss_at_load_mb'] = Math.round(svc.loadedRss * 10) / 10;
    // The same bare pipeline with GStreamer's default environment (every plugin in the registry,
    // GIO modules, rtspsrc extensions): what the lean environment saves per camera.
    out['recording.gst_launch_default_env_rss_per_camera_mb'] = Math.round(stock.rss * 10) / 10;
  } finally {
    await cam.stop();
  }
  return out;
}

export async function run(): Promise<Record<string, number>> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'evalroom-bench-rec-'));
  const out = await measureResources(dir);
  const k = await killCampaign(dir);
  out['recording.kill_campaign.kills'] = k.kills;
  out['recording.kill_campaign.unplayable_segments'] = k.unplayable;
  out['recording.kill_campaign.max_gap_s'] = k.maxGapS;
  out['recording.kill_campaign.service_kills'] = k.serviceKills;
  await fsp.rm(dir, { recursive: true, force: true });
  return out;
}
