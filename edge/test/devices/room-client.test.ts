import { roomTopics } from '@evalroom/contracts';
import type { MqttClient } from 'mqtt';
import { createMemoryLogger } from '../../src/app/logger';
import { startRoomBroker, type RoomBroker } from '../../src/broker/process';
import { ensureSecrets, type EdgeSecrets } from '../../src/config/secrets';
import { RoomClient } from '../../src/devices/room-client';
import { makeCard, residentId } from '../fixtures';
import { connectOnce, sleep, tempDir, waitFor } from '../helpers';

describe('appliance room client: validates everything it receives', () => {
  const tmp = tempDir();
  const logger = createMemoryLogger();
  let broker: RoomBroker;
  let secrets: EdgeSecrets;
  let client: RoomClient;
  let reader: MqttClient;
  let gate: MqttClient;
  const events: unknown[] = [];
  const states: unknown[] = [];

  beforeAll(async () => {
    secrets = await ensureSecrets(`${tmp.dir}/secrets`, ['reader-1', 'gate-1'], { cloud: false });
    broker = await startRoomBroker({ host: '127.0.0.1', port: 0, usersFile: secrets.usersFile, logger });
    client = new RoomClient({
      url: broker.url,
      password: secrets.room.appliance,
      devices: [
        { deviceId: 'reader-1', kind: 'idreader', driver: 'simulated', options: {} },
        { deviceId: 'gate-1', kind: 'gate', driver: 'simulated', options: {} },
      ],
      logger,
    });
    client.on('deviceEvent', (...a) => events.push(a));
    client.on('deviceState', (s) => states.push(s));
    await client.start();
    reader = await connectOnce(broker.url, { clientId: 'reader-1', username: 'reader-1', password: secrets.room.devices['reader-1']! });
    gate = await connectOnce(broker.url, { clientId: 'gate-1', username: 'gate-1', password: secrets.room.devices['gate-1']! });
    gate.on('message', (_t, p) => {
      const req = JSON.parse(p.toString()) as { transaction: string };
      // A faulty gate: first a malformed reply, then a reply with the wrong data shape, then a good one.
      gate.publish(roomTopics.device('gate-1', 'response'), '{"transaction":', { qos: 1 });
      gate.publish(roomTopics.device('gate-1', 'response'), JSON.stringify({ transaction: req.transaction, status: 'ok', data: { openedAt: 'yesterday' } }), { qos: 1 });
      setTimeout(
        () => gate.publish(roomTopics.device('gate-1', 'response'), JSON.stringify({ transaction: req.transaction, status: 'ok', data: { openedAt: new Date().toISOString() } }), { qos: 1 }),
        50,
      );
    });
    await gate.subscribeAsync(roomTopics.device('gate-1', 'request'), { qos: 1 });
  }, 20_000);

  afterAll(async () => {
    await reader.endAsync(true);
    await gate.endAsync(true);
    await client.stop();
    await broker.stop();
    tmp.cleanup();
  });

  const ts = () => new Date().toISOString();
  const rejectedCount = () => logger.lines.filter((l) => l.msg === 'room message rejected').length;

  it('drops malformed device events and states with a logged reason', async () => {
    const before = rejectedCount();
    const bad: Array<[string, string]> = [
      [roomTopics.device('reader-1', 'event'), 'not json'],
      [roomTopics.device('reader-1', 'event'), JSON.stringify({ v: 1, deviceId: 'reader-1', seq: 0, ts: ts(), event: { type: 'card.read', card: { name: 'x' } } })],
      // A resident card whose id number fails the check digit.
      [roomTopics.device('reader-1', 'event'), JSON.stringify({ v: 1, deviceId: 'reader-1', seq: 0, ts: ts(), event: { type: 'card.read', card: makeCard('110101198001011230') } })],
      [roomTopics.device('reader-1', 'event'), JSON.stringify({ v: 1, deviceId: 'reader-1', seq: 0, ts: ts(), event: { type: 'gate.opened' } })],
      [roomTopics.device('reader-1', 'state'), JSON.stringify({ v: 1, deviceId: 'reader-1', kind: 'gate', online: true, ts: ts() })],
      [roomTopics.device('reader-1', 'state'), JSON.stringify({ v: 2 })],
      [roomTopics.device('reader-1', 'response'), JSON.stringify({ transaction: 'nobody-asked', status: 'ok', data: {} })],
    ];
    for (const [topic, payload] of bad) reader.publish(topic, payload, { qos: 1 });
    await waitFor(() => rejectedCount() - before >= bad.length, 5000, 'rejections');
    await sleep(50);
    expect(events).toHaveLength(0);
    expect(states).toHaveLength(0);
    const reasons = logger.lines.filter((l) => l.msg === 'room message rejected').map((l) => String(l.reason));
    expect(reasons.some((r) => /not JSON/.test(r))).toBe(true);
    expect(reasons.some((r) => /check digit/.test(r))).toBe(true);

    // A well-formed event passes.
    reader.publish(roomTopics.device('reader-1', 'event'), JSON.stringify({ v: 1, deviceId: 'reader-1', seq: 1, ts: ts(), event: { type: 'card.read', card: makeCard(residentId('11010119800101123')) } }), { qos: 1 });
    await waitFor(() => events.length === 1);
  });

  it('ignores malformed replies and takes the first valid one for the transaction', async () => {
    const res = await client.request('gate-1', 'open', { durationMs: 1000, reason: 'checkin' }, 3000);
    expect(res.status).toBe('ok');
    expect((res as { data: { openedAt: string } }).data.openedAt).not.toBe('yesterday');
    expect(logger.lines.some((l) => l.msg === 'room message rejected' && /reply data/.test(String(l.reason)))).toBe(true);
  });

  it('times out a device that does not answer', async () => {
    const res = await client.request('reader-1', 'reset', {}, 200);
    expect(res).toMatchObject({ status: 'error', error: { code: 'timeout' } });
  });
});
