import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { cloudTopics, type ApplianceEvent } from '@evalroom/contracts';
import { createMemoryLogger } from '../../src/app/logger';
import { CloudLink } from '../../src/cloudlink/link';
import { DesiredStore } from '../../src/cloudlink/desired-store';
import { Outbox } from '../../src/cloudlink/outbox';
import { TelemetryStore } from '../../src/cloudlink/telemetry-store';
import { TEST_MQTT_URL } from '../fixtures';
import { connectOnce, tempDir, waitFor } from '../helpers';

const DIST_OUTBOX = resolve(__dirname, '../../dist/cloudlink/outbox.js');
const DIST_LOGGER = resolve(__dirname, '../../dist/app/logger.js');

describe('durable outbox', () => {
  it('keeps every event it confirmed across kill -9, and delivers each exactly once to a cloud that acks', async () => {
    const tmp = tempDir();
    const applianceId = `app-outbox-${randomBytes(4).toString('hex')}`;
    // A writer process appends as fast as it can and reports each stored event; we kill it mid-stream.
    const script = `
      const { Outbox } = require(${JSON.stringify(DIST_OUTBOX)});
      const { createLogger } = require(${JSON.stringify(DIST_LOGGER)});
      const o = new Outbox(${JSON.stringify(tmp.dir)}, ${JSON.stringify(applianceId)}, createLogger({ level: 'error' }));
      o.open();
      for (let i = 0; ; i++) {
        const e = o.append({ type: 'alarm.raised', data: { alarm: 'test', severity: 'info', source: 'writer', message: 'n' + i } });
        process.stdout.write(e.eventId + '\\n');
      }`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const confirmed: string[] = [];
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      confirmed.push(...lines.filter(Boolean));
    });
    await waitFor(() => confirmed.length >= 30, 10_000, 'writer progress');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const logger = createMemoryLogger();
    const outbox = new Outbox(tmp.dir, applianceId, logger);
    outbox.open();
    const stored = new Set(outbox.list().map((e) => e.eventId));
    for (const id of confirmed) expect(stored.has(id)).toBe(true);
    const seqs = outbox.list().map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i)); // contiguous from 0, no duplicates

    // Deliver through the cloud link to a subscriber that acks.
    const cloud = await connectOnce(TEST_MQTT_URL, { clientId: `cloud-${applianceId}` });
    const received = new Map<string, number>();
    cloud.on('message', (_t, p) => {
      const ev = JSON.parse(p.toString()) as ApplianceEvent;
      received.set(ev.eventId, (received.get(ev.eventId) ?? 0) + 1);
      cloud.publish(cloudTopics.appliance(applianceId, 'acks'), JSON.stringify({ v: 1, eventIds: [ev.eventId] }), { qos: 1 });
    });
    await cloud.subscribeAsync(cloudTopics.appliance(applianceId, 'events'), { qos: 1 });
    const telemetry = new TelemetryStore(tmp.dir, logger);
    telemetry.open();
    const link = new CloudLink({
      mqttUrl: TEST_MQTT_URL,
      applianceId,
      credentials: { username: applianceId, password: 'x' },
      desired: new DesiredStore(`${tmp.dir}/desired.json`, applianceId, logger),
      outbox,
      telemetry,
      logger,
      retryMs: 5000,
    });
    link.start();
    await waitFor(() => outbox.pendingCount === 0, 10_000, 'all acked');
    expect(received.size).toBe(stored.size);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    await link.stop();
    outbox.close();
    telemetry.close();

    // Acks are durable too: nothing is pending after a restart.
    const again = new Outbox(tmp.dir, applianceId, logger);
    again.open();
    expect(again.pendingCount).toBe(0);
    const next = again.append({ type: 'alarm.cleared', data: { alarm: 'test', source: 'writer' } });
    expect(next.seq).toBe(stored.size);
    again.close();
    await cloud.publishAsync(cloudTopics.appliance(applianceId, 'reported'), '', { qos: 1, retain: true });
    await cloud.endAsync();
    tmp.cleanup();
  }, 30_000);
});

describe('desired state cache', () => {
  it('takes only newer versions for this appliance and survives a restart', () => {
    const tmp = tempDir();
    const logger = createMemoryLogger();
    const file = `${tmp.dir}/state/desired.json`;
    const doc = (version: number, applianceId = 'app-1') => ({ v: 1 as const, applianceId, roomId: 'room-1', version, generatedAt: new Date().toISOString(), sessions: [] });
    const store = new DesiredStore(file, 'app-1', logger);
    expect(store.load()).toBeUndefined();
    expect(store.offer(doc(5)).applied).toBe(true);
    expect(store.offer(doc(4))).toMatchObject({ applied: false, reason: expect.stringMatching(/older/) });
    expect(store.offer(doc(9, 'app-2')).applied).toBe(false);
    expect(store.get()?.version).toBe(5);
    const reopened = new DesiredStore(file, 'app-1', logger);
    expect(reopened.load()?.version).toBe(5);
    tmp.cleanup();
  });
});
