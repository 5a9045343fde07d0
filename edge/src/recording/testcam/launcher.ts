import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

export interface TestCameraOptions {
  width?: number;
  height?: number;
  fps?: number;
  bitrateKbps?: number;
  audio?: boolean;
  pattern?: string;
  /** Fixed port (e.g. to bring "the same camera" back); 0 or absent picks a free one. */
  port?: number;
  /** Python with the GObject introspection bindings (Debian's, not a pyenv shim). */
  python?: string;
}

export interface TestCamera {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** The script ships as source; dist/ has no copy, so look beside this file and in src/. */
function scriptPath(): string {
  const here = path.join(__dirname, 'rtsp-test-camera.py');
  if (existsSync(here)) return here;
  return path.resolve(__dirname, '..', '..', '..', 'src', 'recording', 'testcam', 'rtsp-test-camera.py');
}

/** Starts the loopback RTSP test camera on an ephemeral port; resolves with its URL. */
export function startTestCamera(o: TestCameraOptions = {}): Promise<TestCamera> {
  const python = o.python ?? process.env.EVALROOM_GI_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const args = [
    scriptPath(),
    '--port', String(o.port ?? 0),
    '--width', String(o.width ?? 640),
    '--height', String(o.height ?? 360),
    '--fps', String(o.fps ?? 15),
    '--bitrate', String(o.bitrateKbps ?? 800),
    '--pattern', o.pattern ?? 'ball',
    ...(o.audio ? ['--audio'] : []),
  ];
  // stdin stays a pipe: the camera exits when it closes, so it never outlives this process.
  const child: ChildProcess = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`test camera did not start: ${stderr}`));
    }, 15_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`test camera exited (${code}): ${stderr}`));
    });
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^READY (rtsp:\/\/\S+)/.exec(line);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: m[1]!,
        pid: child.pid!,
        stop: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 3000);
          await exited;
          clearTimeout(t);
        },
      });
    });
  });
}
