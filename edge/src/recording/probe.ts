import { execFile } from 'node:child_process';
import path from 'node:path';
import { parseDiscovererStreams, streamInfoFromCodecs, type StreamInfo } from './pipeline';

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, out: `${stdout}\n${stderr}` });
    });
  });
}

/** Asks the camera what it sends (codec, audio) so the pipeline links only what exists. */
export async function probeRtsp(url: string, timeoutMs = 10_000): Promise<StreamInfo | { error: string }> {
  const r = await run('gst-discoverer-1.0', ['-t', String(Math.ceil(timeoutMs / 1000)), url], timeoutMs + 2000);
  if (r.code !== 0 && !/video #\d+:/.test(r.out)) return { error: `probe failed: ${r.out.trim().split('\n').slice(-1)[0] ?? 'no output'}` };
  return streamInfoFromCodecs(parseDiscovererStreams(r.out));
}

export interface FileProbe {
  playable: boolean;
  durationMs: number;
  video: string | null;
  audio: string | null;
  reason?: string;
}

/**
 * Independent check of a segment file with ffprobe: it must hold a decodable video stream.
 * `decode` additionally decodes every frame (slower, used by tests and the crash recovery).
 */
export async function probeFile(file: string, decode = false): Promise<FileProbe> {
  const r = await run(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name', '-of', 'json', file],
    20_000,
  );
  if (r.code !== 0) return { playable: false, durationMs: 0, video: null, audio: null, reason: r.out.trim().slice(0, 200) };
  let json: { format?: { duration?: string }; streams?: Array<{ codec_type?: string; codec_name?: string }> };
  try {
    json = JSON.parse(r.out.slice(0, r.out.lastIndexOf('}') + 1));
  } catch {
    return { playable: false, durationMs: 0, video: null, audio: null, reason: 'ffprobe output unreadable' };
  }
  const video = json.streams?.find((s) => s.codec_type === 'video')?.codec_name ?? null;
  const audio = json.streams?.find((s) => s.codec_type === 'audio')?.codec_name ?? null;
  const durationMs = Math.round(Number(json.format?.duration ?? 0) * 1000);
  if (!video) return { playable: false, durationMs, video, audio, reason: 'no video stream' };
  if (decode) {
    const d = await decodeCheck(file);
    if (!d.ok) return { playable: false, durationMs, video, audio, reason: d.reason };
  }
  return { playable: durationMs > 0, durationMs, video, audio, reason: durationMs > 0 ? undefined : 'zero duration' };
}

/** Strict decode of every video frame with ffmpeg (an independent decoder): any error fails. */
export async function decodeCheck(file: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const d = await run('ffmpeg', ['-nostdin', '-v', 'error', '-xerror', '-i', file, '-map', '0:v:0', '-f', 'null', '-'], 60_000);
  const out = d.out.split(file).join(path.basename(file)).trim();
  return d.code === 0 ? { ok: true } : { ok: false, reason: `decode failed: ${out.slice(0, 200)}` };
}

/** Strict decode of a raw H.264/H.265 elementary stream file (see lastGopStream). */
export async function decodeElementaryCheck(file: string, codec: 'h264' | 'h265'): Promise<{ ok: true } | { ok: false; reason: string }> {
  const d = await run('ffmpeg', ['-nostdin', '-v', 'error', '-xerror', '-f', codec === 'h264' ? 'h264' : 'hevc', '-i', file, '-f', 'null', '-'], 60_000);
  const out = d.out.split(file).join(path.basename(file)).trim();
  return d.code === 0 ? { ok: true } : { ok: false, reason: `decode failed: ${out.slice(0, 200)}` };
}
