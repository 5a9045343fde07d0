/** Where the camera's pictures come from: the same shape as CameraPort.streamSource(). */
export type CameraSource = { type: 'rtsp'; url: string } | { type: 'v4l2'; device: string } | { type: 'test'; pattern: string };

export interface StillPipelineOptions {
  source: CameraSource;
  /** Width of the stills (height follows the picture's aspect ratio). */
  width: number;
  /** Stills per second decoded; the rest of the stream is dropped before scaling. */
  fps: number;
  boundary: string;
  rtspTransport?: 'tcp' | 'udp' | 'auto';
  /** JPEG quality 1–100. */
  quality?: number;
}

/**
 * argv for `gst-launch-1.0`: source → decode → low-rate scale → JPEG → multipart on stdout.
 * Each element/property is its own argument (no shell); gst-launch escapes them itself.
 * videorate with drop-only never duplicates frames, so every still is a real new picture.
 */
export function stillPipelineArgs(o: StillPipelineOptions): string[] {
  const fps = fpsFraction(o.fps);
  let head: string[];
  switch (o.source.type) {
    case 'rtsp': {
      const protocols = o.rtspTransport === 'udp' ? ['protocols=udp'] : o.rtspTransport === 'auto' ? [] : ['protocols=tcp'];
      head = ['rtspsrc', `location=${o.source.url}`, 'latency=0', ...protocols, '!', 'decodebin', '!'];
      break;
    }
    case 'v4l2':
      head = ['v4l2src', `device=${o.source.device}`, '!', 'decodebin', '!'];
      break;
    case 'test':
      // 640×480 at 10 fps is enough to scale down from, and cheap.
      head = ['videotestsrc', 'is-live=true', `pattern=${o.source.pattern}`, '!', 'video/x-raw,width=640,height=480,framerate=10/1', '!'];
      break;
  }
  return [
    '-q',
    ...head,
    'videorate', 'drop-only=true', '!',
    `video/x-raw,framerate=${fps}`, '!',
    'videoconvert', '!',
    'videoscale', '!',
    `video/x-raw,width=${o.width},pixel-aspect-ratio=1/1`, '!',
    'jpegenc', `quality=${o.quality ?? 85}`, '!',
    'multipartmux', `boundary=${o.boundary}`, '!',
    'fdsink', 'fd=1', 'sync=false',
  ];
}

/** 5 → "5/1", 2.5 → "5/2", 0.5 → "1/2". */
export function fpsFraction(fps: number): string {
  for (const den of [1, 2, 4, 10]) {
    const num = fps * den;
    if (Number.isInteger(num)) return `${num}/${den}`;
  }
  return `${Math.round(fps * 100)}/100`;
}
