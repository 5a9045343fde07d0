import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { initRecordingDisk } from '../../src/recording';
import { TEST_MQTT_URL } from '../fixtures';
import { sleep, tempDir } from '../helpers';

/**
 * The appliance process as a service manager runs it: a whole simulated room (every device kind,
 * the cloud link on the machine's Mosquitto, recording on), then SIGTERM or a Ctrl-C to the whole
 * process group. It must exit 0 promptly and say nothing alarming on the way out.
 */
const MAIN = resolve(__dirname, '../../dist/main.js');

interface LogLine {
  level: string;
  msg: string;
  [k: string]: unknown;
}

async function startRoom(dir: string, applianceId: string) {
  mkdirSync(`${dir}/data/secrets`, { recursive: true, mode: 0o700 });
  // Recording runs for real (the camera's test source) so the recorder's stop is part of it.
  await initRecordingDisk(`${dir}/data/recordings`);
  writeFileSync(`${dir}/data/secrets/cloud.json`, JSON.stringify({ username: applianceId, password: 'shutdown-test' }));
  const file = `${dir}/edge.json`;
  writeFileSync(
    file,
    JSON.stringify({
      applianceId,
      roomId: 'room-1',
      dataDir: './data',
      broker: { port: 0 },
      http: { port: 0, simApi: true },
      cloud: { mqttUrl: TEST_MQTT_URL },
      devices: [
        { deviceId: 'idreader-1', kind: 'idreader' },
        { deviceId: 'gate-1', kind: 'gate' },
        { deviceId: 'camera-door', kind: 'camera' },
        { deviceId: 'tablet-1', kind: 'tablet' },
        { deviceId: 'locker-1', kind: 'locker' },
      ],
    }),
  );
  // detached: its own process group, so the test can signal the group like a terminal's Ctrl-C.
  const child = spawn(process.execPath, [MAIN, '--config', file], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal, at: Date.now() })),
  );
  const ready = new Promise<void>((r, j) => {
    const t = setInterval(() => {
      if (stdout.includes('EVALROOM_READY')) (clearInterval(t), r());
    }, 20);
    void exited.then(() => (clearInterval(t), j(new Error(`exited early: ${stderr}`))));
  });
  const lines = (): LogLine[] =>
    stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  return { child, exited, ready, lines };
}

describe('appliance shutdown', () => {
  const cases: Array<[string, (pid: number) => void, boolean]> = [
    ['SIGTERM to the appliance', (pid) => process.kill(pid, 'SIGTERM'), false],
    ['SIGINT to the whole process group (Ctrl-C)', (pid) => process.kill(-pid, 'SIGINT'), true],
  ];
  it.each(cases)('%s: stops in order, exits 0 within 5 s, no error or warning after the signal', async (_name, signal, groupSignal) => {
    const tmp = tempDir();
    const room = await startRoom(tmp.dir, `shutdown-${process.pid}-${Date.now().toString(36)}`);
    try {
      await room.ready;
      await sleep(1500); // devices online, cloud link connected, telemetry timers running
      const sentAt = Date.now();
      signal(room.child.pid!);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 5000)));
      const result = await Promise.race([room.exited, timeout]);
      clearTimeout(timer);
      expect(result).not.toBe('timeout');
      const exit = result as Awaited<typeof room.exited>;
      expect(exit).toMatchObject({ code: 0, signal: null });
      expect(exit.at - sentAt).toBeLessThan(5000);

      const lines = room.lines();
      const from = lines.findIndex((l) => l.msg === 'stopping');
      expect(from).toBeGreaterThanOrEqual(0);
      const after = lines.slice(from);
      const loud = after.filter((l) => l.level === 'error' || l.level === 'warn');
      if (groupSignal) {
        // Known recorder limitation (reported): gst-launch runs in the appliance's process group,
        // so a terminal's Ctrl-C reaches it directly and the recorder logs its exit before it
        // stops. Everything else must stay quiet.
        expect(loud.filter((l) => !(l.part === 'recorder' && /recorder exit code 0/.test(l.msg)))).toEqual([]);
      } else {
        expect(loud).toEqual([]);
      }
      expect(after.at(-1)?.msg).toBe('appliance stopped');
      // Nothing of the room (broker child included) outlives the appliance.
      expect(() => process.kill(-room.child.pid!, 0)).toThrow();
      // A relative dataDir is relative to the config file: the appliance's signing key is there,
      // never in the directory the process happened to start in.
      expect(existsSync(`${tmp.dir}/data/secrets/recording-ed25519.pem`)).toBe(true);
    } finally {
      try {
        process.kill(-room.child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
      tmp.cleanup();
    }
  }, 30_000);
});
