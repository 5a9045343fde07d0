import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { roomTopics } from '@evalroom/contracts';
import { connectOnce, tempDir } from '../helpers';

const MAIN = resolve(__dirname, '../../dist/main.js');

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('evalroom-edge CLI', () => {
  it('rejects unknown config keys with a clear message and exit code 2', async () => {
    const tmp = tempDir();
    const file = `${tmp.dir}/edge.json`;
    writeFileSync(file, JSON.stringify({ applianceId: 'a1', roomId: 'r1', dataDir: tmp.dir, brokr: { port: 1 } }));
    const p = run(['--config', file]);
    expect(await p.exited).toBe(2);
    expect(p.err()).toMatch(/Unrecognized key.*brokr/);
    expect(p.out()).toBe('');
    tmp.cleanup();
  });

  it('exits 2 without a config', async () => {
    const p = run([], { EVALROOM_EDGE_CONFIG: '' });
    expect(await p.exited).toBe(2);
    expect(p.err()).toMatch(/--config/);
  });

  it('prints one READY line with the real ports, generates secrets (0700), and stops cleanly on SIGTERM', async () => {
    const tmp = tempDir();
    const file = `${tmp.dir}/edge.json`;
    writeFileSync(
      file,
      JSON.stringify({
        applianceId: 'a1',
        roomId: 'r1',
        dataDir: './data',
        broker: { port: 0 },
        http: { port: 0 },
        devices: [{ deviceId: 'gate-1', kind: 'gate' }],
      }),
    );
    const p = run([], { EVALROOM_EDGE_CONFIG: file });
    await new Promise<void>((r, j) => {
      const t = setInterval(() => {
        if (p.out().includes('\n')) (clearInterval(t), r());
      }, 20);
      p.exited.then(() => (clearInterval(t), j(new Error(`exited early: ${p.err()}`))));
    });
    const m = /^EVALROOM_READY (\{.*\})\n$/.exec(p.out());
    expect(m).not.toBeNull();
    const ready = JSON.parse(m![1]!) as { http: string; broker: string };
    expect(ready.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.broker).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${ready.http}/health`)).status).toBe(200);
    expect((await fetch(`${ready.http}/status`)).status).toBe(401);
    expect(statSync(`${tmp.dir}/data/secrets`).mode & 0o777).toBe(0o700);

    // The gate's retained state is on the broker for the kiosk to read.
    const creds = JSON.parse(readFileSync(`${tmp.dir}/data/secrets/room-credentials.json`, 'utf8')) as { kiosk: string };
    const kiosk = await connectOnce(ready.broker, { clientId: 'kiosk', username: 'kiosk', password: creds.kiosk });
    const state = new Promise<{ online: boolean }>((r) => kiosk.on('message', (_t, pl) => r(JSON.parse(pl.toString()))));
    await kiosk.subscribeAsync(roomTopics.device('gate-1', 'state'), { qos: 1 });
    expect((await state).online).toBe(true);
    await kiosk.endAsync();

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.err()).toMatch(/appliance stopped/);
    tmp.cleanup();
  }, 20_000);
});
