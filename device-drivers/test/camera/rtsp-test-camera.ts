import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

/** The edge's loopback RTSP test camera (python3-gi GstRtspServer), started directly (test code only). */
const SCRIPT = path.resolve(__dirname, '..', '..', '..', 'edge', 'src', 'recording', 'testcam', 'rtsp-test-camera.py');

export interface RtspTestCamera {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export function startRtspTestCamera(o: { port?: number; width?: number; height?: number } = {}): Promise<RtspTestCamera> {
  const python = process.env.EVALROOM_GI_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const args = [SCRIPT, '--port', String(o.port ?? 0), '--width', String(o.width ?? 640), '--height', String(o.height ?? 360), '--fps', '10', '--bitrate', '500', '--pattern', 'ball'];
  // stdin stays a pipe: the script exits when it closes, so it never outlives the test process.
  const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`test camera did not start: ${stderr}`));
    }, 15_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`test camera exited (${code}): ${stderr}`));
    });
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^READY (rtsp:\/\/\S+)/.exec(line);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: m[1]!,
        port: Number(new URL(m[1]!).port),
        stop: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 3000);
          await closed;
          clearTimeout(t);
        },
      });
    });
  });
}
