import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cloudTopics, type ApplianceRegistered, type DesiredState, type EventAck, type SigninView } from '@evalroom/contracts';
import { mqttClient } from './support/mqtt';

const MAIN = resolve(__dirname, '..', 'dist', 'main.js');

interface Proc {
  child: ChildProcess;
  ready: { http: string; mqtt: string };
  output: () => string;
  stdout: () => string;
}

/** Starts `node cloud/dist/main.js` with PGlite and the embedded broker; resolves on EVALROOM_READY. */
async function startMain(dataDir: string): Promise<Proc> {
  const env = { ...process.env, PORT: '0', CLOUD_MQTT_PORT: '0', EVALROOM_CLOUD_DATA_DIR: dataDir };
  for (const k of ['DATABASE_URL', 'MQTT_URL', 'EVALROOM_ADMIN_TOKEN', 'EVALROOM_SECRET_KEY']) delete env[k];
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => ((out += d.toString()), (stdout += d.toString())));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const ready = await new Promise<{ http: string; mqtt: string }>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`no EVALROOM_READY in 30 s:\n${out}`)), 30_000);
    child.stdout!.on('data', () => {
      const m = /^EVALROOM_READY (.*)$/m.exec(out);
      if (m) {
        clearTimeout(t);
        res(JSON.parse(m[1]!) as { http: string; mqtt: string });
      }
    });
    child.once('exit', (code) => rej(new Error(`exited ${code}:\n${out}`)));
  });
  return { child, ready, output: () => out, stdout: () => stdout };
}

function stop(p: Proc): Promise<number | null> {
  return new Promise((res) => {
    p.child.once('exit', (code) => res(code));
    p.child.kill('SIGTERM');
  });
}

describe('node cloud/dist/main.js with PGlite and the embedded broker', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'evalroom-pglite-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs the first path, stops cleanly on SIGTERM and keeps its data across restarts', async () => {
    const p = await startMain(dataDir);
    let code: number | null = null;
    try {
      // stdout carries exactly the ready line; logs go to stderr
      expect(p.stdout().split('\n').filter(Boolean)).toEqual([expect.stringMatching(/^EVALROOM_READY \{/)]);
      expect(p.ready.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(p.ready.mqtt).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
      const tokenFile = join(dataDir, 'admin-token');
      expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
      expect(p.output()).toContain(tokenFile);
      const token = (await readFile(tokenFile, 'utf8')).trim();
      const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
        const r = await fetch(p.ready.http + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
        if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
        return (await r.json()) as T;
      };
      await api('POST', '/v1/trading-centers', { id: 'tc', name: 'TC', level: 'province', regionCode: '21' });
      await api('POST', '/v1/venues', { id: 'v1', tradingCenterId: 'tc', name: 'V1' });
      await api('POST', '/v1/rooms', { id: 'r1', venueId: 'v1', name: 'R1', workstations: [{ code: 'A1' }] });
      const reg = await api<ApplianceRegistered>('POST', '/v1/appliances', { applianceId: 'box-1', roomId: 'r1' });
      expect(reg.mqtt.url).toBe(p.ready.mqtt);
      const box = await mqttClient(reg.mqtt.url, { clientId: 'box-1', username: 'box-1', password: reg.mqtt.password });
      await box.client.subscribeAsync([cloudTopics.appliance('box-1', 'desired'), cloudTopics.appliance('box-1', 'acks')], { qos: 1 });
      const at = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
      const { sessionId } = await api<{ sessionId: string }>('POST', '/v1/sessions', {
        projectCode: 'P', projectName: 'P', lots: [{ lotId: 'l1', code: 'BD01', name: 'L1' }], mainVenueId: 'v1',
        startsAt: at(-1), endsAt: at(60), assignments: [{ roomId: 'r1', experts: [{ name: '赵六', idNumber: '21010219800101004X', workstation: 'A1' }] }],
      });
      const d = await box.inbox.waitFor<DesiredState>(cloudTopics.appliance('box-1', 'desired'), (x) => x.sessions.length === 1);
      const eventId = randomUUID();
      const ev = { v: 1, eventId, applianceId: 'box-1', seq: 1, ts: new Date().toISOString(), type: 'checkin.admitted', data: { checkinId: 'c1', sessionId, expertRef: d.sessions[0]!.roster[0]!.expertRef, arrivedAt: new Date().toISOString(), method: 'face' } };
      await box.client.publishAsync(cloudTopics.appliance('box-1', 'events'), JSON.stringify(ev), { qos: 1 });
      await box.client.publishAsync(cloudTopics.appliance('box-1', 'events'), JSON.stringify(ev), { qos: 1 });
      await box.inbox.waitFor<EventAck>(cloudTopics.appliance('box-1', 'acks'), (a) => a.eventIds.includes(eventId));
      const signins = await api<SigninView[]>('GET', `/v1/sessions/${sessionId}/signins`);
      expect(signins.map((s) => [s.checkinId, s.name])).toEqual([['c1', '赵六']]);
      // telemetry through the PGlite unnest path
      await box.client.publishAsync(cloudTopics.appliance('box-1', 'telemetry'), JSON.stringify({ v: 1, applianceId: 'box-1', batchId: randomUUID(), samples: [{ ts: new Date().toISOString(), metric: 'cpu', value: 3 }, { ts: new Date().toISOString(), metric: 'cpu', value: 5 }] }), { qos: 1 });
      const from = at(-5);
      let points: { count: number; avg: number }[] = [];
      for (let i = 0; i < 40 && points.length === 0; i++) {
        points = await api('GET', `/v1/telemetry?applianceId=box-1&metric=cpu&from=${from}&to=${at(5)}&bucket=1m`);
        if (!points.length) await new Promise((r) => setTimeout(r, 100));
      }
      expect(points.reduce((n, x) => n + x.count, 0)).toBe(2);
      await box.client.endAsync();
      // the id number never appears in the log
      expect(p.output()).not.toContain('21010219800101004X');
      code = await stop(p);
      expect(code).toBe(0);

      const again = await startMain(dataDir);
      try {
        const r = await fetch(`${again.ready.http}/v1/sessions/${sessionId}/signins`, { headers: { authorization: `Bearer ${token}` } });
        expect(((await r.json()) as SigninView[]).length).toBe(1);
      } finally {
        expect(await stop(again)).toBe(0);
      }
    } finally {
      if (p.child.exitCode === null && code === null) await stop(p);
    }
  }, 90_000);
});
