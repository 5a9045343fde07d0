/**
 * Runs a RecordingService in its own process for the recording benchmark, so the benchmark can
 * charge the service's own CPU and memory (not just its pipelines). argv[2]: JSON options.
 * Prints "PIDS <json>" every second; exits cleanly on SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { createRecorder, type CreateRecorderOptions } from './service';

/** RSS once node and the recorder's modules (zod schemas included) are loaded, before any camera. */
function rssKb(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : 0;
}

async function main(): Promise<void> {
  process.stdout.write(`LOADED_RSS_KB ${rssKb()}\n`);
  const opts = JSON.parse(process.argv[2] ?? '{}') as CreateRecorderOptions & { sessionId?: string };
  const recorder = await createRecorder(opts);
  if (opts.sessionId) recorder.setActiveSession({ sessionId: opts.sessionId, lotIds: [] });
  await recorder.start();
  const timer = setInterval(() => {
    const pids = opts.cameras.map((c) => recorder.cameraPid(c.cameraId));
    process.stdout.write(`PIDS ${JSON.stringify(pids)}\n`);
  }, 1000);
  process.once('SIGTERM', () => {
    clearInterval(timer);
    void recorder.stop().then(() => process.exit(0));
  });
}

void main();
