import type { MqttClient } from 'mqtt';
import { createMemoryLogger } from '../../src/app/logger';
import { startRoomBroker, type RoomBroker } from '../../src/broker/process';
import { ensureSecrets, type EdgeSecrets } from '../../src/config/secrets';
import { connectOnce, sleep, tempDir, waitFor } from '../helpers';

describe('room broker process: authentication and ACLs', () => {
  const tmp = tempDir();
  const logger = createMemoryLogger();
  let broker: RoomBroker;
  let secrets: EdgeSecrets;
  const clients: MqttClient[] = [];
  const keep = (c: MqttClient): MqttClient => (clients.push(c), c);

  beforeAll(async () => {
    secrets = await ensureSecrets(`${tmp.dir}/secrets`, ['gate-1', 'reader-1'], { cloud: false });
    broker = await startRoomBroker({ host: '127.0.0.1', port: 0, usersFile: secrets.usersFile, logger });
  }, 20_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await broker.stop();
    tmp.cleanup();
  });

  const refused = (m: string) => logger.lines.some((l) => l.msg === m);

  it('refuses a client without credentials', async () => {
    await expect(connectOnce(broker.url, { clientId: 'gate-1' })).rejects.toThrow(/Not authorized|Connection refused/i);
    await waitFor(() => refused('connect refused: no credentials'));
  });

  it('refuses a wrong password', async () => {
    await expect(connectOnce(broker.url, { clientId: 'gate-1', username: 'gate-1', password: 'wrong-password-xxxxxxxx' })).rejects.toThrow(
      /Bad username or password|Connection refused/i,
    );
    await waitFor(() => refused('connect refused: wrong password'));
  });

  it('refuses a client id that differs from the username', async () => {
    await expect(connectOnce(broker.url, { clientId: 'reader-1', username: 'gate-1', password: secrets.room.devices['gate-1']! })).rejects.toThrow(
      /Identifier rejected|Connection refused/i,
    );
    await waitFor(() => refused('connect refused: client id must equal the username'));
  });

  it('delivers a device message inside its ACL and drops one outside it', async () => {
    const core = keep(await connectOnce(broker.url, { clientId: 'appliance', username: 'appliance', password: secrets.room.appliance }));
    const got: string[] = [];
    core.on('message', (topic) => got.push(topic));
    await core.subscribeAsync('room/#', { qos: 1 });

    const gate = keep(await connectOnce(broker.url, { clientId: 'gate-1', username: 'gate-1', password: secrets.room.devices['gate-1']! }));
    await gate.publishAsync('room/dev/gate-1/event', '{}', { qos: 1 });
    await waitFor(() => got.includes('room/dev/gate-1/event'));

    // A gate pretending to be the reader: the broker drops it and disconnects the gate.
    const closed = new Promise<void>((r) => gate.once('close', () => r()));
    gate.publish('room/dev/reader-1/event', '{"forged":true}', { qos: 0 });
    await closed;
    await sleep(200);
    expect(got).not.toContain('room/dev/reader-1/event');
    expect(refused('publish refused by ACL')).toBe(true);
  });

  it('refuses a device subscribing to another device', async () => {
    const reader = keep(await connectOnce(broker.url, { clientId: 'reader-1', username: 'reader-1', password: secrets.room.devices['reader-1']! }));
    // SUBACK 0x80: mqtt.js turns the refusal into an error.
    await expect(reader.subscribeAsync('room/dev/gate-1/request', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await waitFor(() => refused('subscribe refused by ACL'));
    const own = await reader.subscribeAsync('room/dev/reader-1/request', { qos: 1 });
    expect(own[0]?.qos).toBe(1);
  });

  it("publishes a device's Last Will (retained online:false) when its connection drops", async () => {
    const will = { topic: 'room/dev/reader-1/state', payload: Buffer.from('{"online":false}'), qos: 1 as const, retain: true };
    const reader = await connectOnce(broker.url, { clientId: 'reader-1', username: 'reader-1', password: secrets.room.devices['reader-1']!, will });
    reader.stream.destroy(); // abrupt loss, no DISCONNECT
    const kiosk = keep(await connectOnce(broker.url, { clientId: 'kiosk', username: 'kiosk', password: secrets.room.kiosk }));
    const got: string[] = [];
    kiosk.on('message', (_t, p) => got.push(p.toString()));
    await sleep(200);
    await kiosk.subscribeAsync('room/dev/reader-1/state', { qos: 1 });
    await waitFor(() => got.includes('{"online":false}'), 5000, 'last will');
  });
});
