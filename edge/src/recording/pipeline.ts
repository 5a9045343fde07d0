/** Builds gst-launch-1.0 argument lists for one camera and parses its `-m` bus output. Pure. */

export type StreamSource = { type: 'rtsp'; url: string } | { type: 'v4l2'; device: string } | { type: 'test'; pattern: string };

/** What a probe found in an RTSP stream; decides depayloaders and whether audio is kept. */
export interface StreamInfo {
  video: 'h264' | 'h265';
  audio: 'aac' | null;
  /** Audio present but not storable without transcoding (e.g. G.711 in MPEG-TS): dropped, logged. */
  droppedAudio?: string;
}

export interface PipelineOptions {
  source: StreamSource;
  info?: StreamInfo;
  /** printf pattern for splitmuxsink, e.g. /rec/cam1/incoming/r123-%05d.ts */
  location: string;
  segmentSeconds: number;
  /** Test sources only (they are encoded once). */
  test?: { width: number; height: number; fps: number; bitrateKbps: number };
  /** v4l2 only: the camera emits H.264 itself (stream copy); otherwise raw frames are encoded once. */
  v4l2H264?: boolean;
  /** Error out when no buffer arrives for this long (stalled camera), ms. */
  stallTimeoutMs?: number;
}

const sinkArgs = (o: PipelineOptions): string[] => [
  'splitmuxsink',
  'name=mux',
  'muxer-factory=mpegtsmux',
  'async-finalize=false',
  `max-size-time=${BigInt(o.segmentSeconds) * 1_000_000_000n}`,
  `location=${o.location}`,
  // Unbuffered file writes: a kill -9 then loses nothing already muxed, so the open fragment
  // survives up to the moment of death (filesink's default 64 KB buffer lost seconds of video).
  'sink::buffer-mode=2',
];

function encodeOnce(fps: number, bitrateKbps: number): string[] {
  return [
    'videoconvert', '!', 'video/x-raw,format=I420', '!',
    'x264enc', 'tune=zerolatency', 'speed-preset=ultrafast', 'bframes=0', `key-int-max=${fps}`, `bitrate=${bitrateKbps}`, '!',
    'h264parse', '!',
  ];
}

/** argv for gst-launch-1.0 (after the program name). `-e` makes SIGINT finish the open segment. */
export function buildPipelineArgs(o: PipelineOptions): string[] {
  const stall = ['watchdog', `timeout=${o.stallTimeoutMs ?? 8000}`, '!'];
  const head = ['-m', '-e'];
  switch (o.source.type) {
    case 'test': {
      const t = o.test ?? { width: 640, height: 360, fps: 15, bitrateKbps: 600 };
      return [
        ...head,
        'videotestsrc', 'is-live=true', `pattern=${o.source.pattern}`, '!',
        `video/x-raw,width=${t.width},height=${t.height},framerate=${t.fps}/1`, '!',
        'timeoverlay', '!',
        ...encodeOnce(t.fps, t.bitrateKbps),
        'queue', '!', 'mux.video',
        ...sinkArgs(o),
      ];
    }
    case 'v4l2': {
      const video = o.v4l2H264
        ? ['v4l2src', `device=${o.source.device}`, '!', 'video/x-h264', '!', 'h264parse', '!']
        : ['v4l2src', `device=${o.source.device}`, '!', 'decodebin', '!', ...encodeOnce(15, 2000)];
      return [...head, ...video, ...stall, 'queue', '!', 'mux.video', ...sinkArgs(o)];
    }
    case 'rtsp': {
      const info = o.info ?? { video: 'h264', audio: null };
      const depay = info.video === 'h264' ? ['rtph264depay', '!', 'h264parse'] : ['rtph265depay', '!', 'h265parse'];
      const args = [
        ...head,
        'rtspsrc', `location=${o.source.url}`, 'protocols=tcp', 'latency=200', 'tcp-timeout=5000000', 'name=src',
        'src.', '!', 'application/x-rtp,media=video', '!', ...depay, '!', ...stall, 'queue', '!', 'mux.video',
      ];
      if (info.audio === 'aac') {
        args.push('src.', '!', 'application/x-rtp,media=audio', '!', 'rtpmp4gdepay', '!', 'aacparse', '!', 'queue', '!', 'mux.audio_0');
      }
      return [...args, ...sinkArgs(o)];
    }
  }
}

export type BusEvent =
  | { type: 'opened'; location: string; runningTimeNs: bigint }
  | { type: 'closed'; location: string; runningTimeNs: bigint }
  | { type: 'error'; message: string }
  | { type: 'eos' };

/** Decodes gst's escaped string value: location=(string)/a/b or location=(string)"/a\ b". */
function gstString(raw: string): string {
  let s = raw;
  if (s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1);
  return s.replace(/\\(.)/g, '$1');
}

const FRAGMENT = /splitmuxsink-fragment-(opened|closed), location=\(string\)("(?:[^"\\]|\\.)*"|[^,]*), running-time=\(guint64\)(\d+)/;

/** One stdout/stderr line of `gst-launch-1.0 -m` → the events the recorder cares about. */
export function parseBusLine(line: string): BusEvent | null {
  const m = FRAGMENT.exec(line);
  if (m) return { type: m[1] === 'opened' ? 'opened' : 'closed', location: gstString(m[2]!), runningTimeNs: BigInt(m[3]!) };
  if (line.startsWith('ERROR: ')) return { type: 'error', message: line.slice(7).trim() };
  if (line.startsWith('Got EOS from element')) return { type: 'eos' };
  return null;
}

/** Reads `gst-discoverer-1.0` output of a live source ("video #3: H.264 (…)" lines). */
export function parseDiscovererStreams(text: string): { video: string | null; audio: string | null } {
  const video = /^\s*video #\d+: (.+)$/m.exec(text)?.[1]?.trim() ?? null;
  const audio = /^\s*audio #\d+: (.+)$/m.exec(text)?.[1]?.trim() ?? null;
  return { video, audio };
}

export function streamInfoFromCodecs(codecs: { video: string | null; audio: string | null }): StreamInfo | { error: string } {
  if (!codecs.video) return { error: 'no video stream found' };
  const v = /H\.?265|HEVC/i.test(codecs.video) ? 'h265' : /H\.?264|AVC/i.test(codecs.video) ? 'h264' : null;
  if (!v) return { error: `video codec ${codecs.video} cannot be stored without transcoding` };
  if (!codecs.audio) return { video: v, audio: null };
  if (/AAC/i.test(codecs.audio)) return { video: v, audio: 'aac' };
  return { video: v, audio: null, droppedAudio: codecs.audio };
}
