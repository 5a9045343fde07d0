import { randomBytes } from 'node:crypto';
import { DeviceState, deviceEventSchema, parsePayload, roomTopics, ResponseEnvelope } from '@evalroom/contracts';
import { DeviceAgent, SimGate } from '@evalroom/device-drivers';
import { connect, type MqttClient } from 'mqtt';

// The agent's own behaviour (state, Last Will, events, request/response) against the machine's
// Mosquitto; broker authentication and ACLs are tested with the room broker in edge/test/broker.
const URL = process.env.EVALROOM_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

function open(clientId: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = connect(URL, { clientId, protocolVersion: 4, reconnectPeriod: 0 });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

describe('device agent', () => {
  const deviceId = `gate-${randomBytes(4).toString('hex')}`;
  const gate = new SimGate();
  const agent = new DeviceAgent({ deviceId, port: gate, brokerUrl: URL, password: 'unused-by-anonymous-broker' });
  let core: MqttClient;
  const msgs: Array<{ topic: string; body: unknown }> = [];

  beforeAll(async () => {
    core = await open(`core-${deviceId}`);
    core.on('message', (topic, p) => msgs.push({ topic, body: p.length ? JSON.parse(p.toString()) : null }));
    await core.subscribeAsync(`room/dev/${deviceId}/+`, { qos: 1 });
    await agent.start();
  });

  afterAll(async () => {
    await agent.stop();
    await core.publishAsync(roomTopics.device(deviceId, 'state'), '', { qos: 1, retain: true });
    await core.endAsync();
  });

  const until = async (pred: () => boolean) => {
    const end = Date.now() + 5000;
    while (!pred()) {
      if (Date.now() > end) throw new Error('timeout');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const responses = () => msgs.filter((m) => m.topic.endsWith('/response')).map((m) => m.body as ResponseEnvelope);
  const request = (body: unknown) => core.publish(roomTopics.device(deviceId, 'request'), typeof body === 'string' ? body : JSON.stringify(body), { qos: 1 });

  it('publishes a retained online state that validates', async () => {
    await until(() => msgs.some((m) => m.topic.endsWith('/state')));
    const s = DeviceState.parse(msgs.find((m) => m.topic.endsWith('/state'))!.body);
    expect(s).toMatchObject({ deviceId, kind: 'gate', online: true, driver: 'simulated' });
  });

  it('opens on a valid request, replies ok, and emits sequence-numbered events that validate', async () => {
    request({ transaction: 't-open', command: 'open', params: { durationMs: 500, reason: 'checkin' } });
    await until(() => responses().some((r) => r.transaction === 't-open'));
    expect(responses().find((r) => r.transaction === 't-open')!.status).toBe('ok');
    expect(gate.isOpen()).toBe(true);
    await until(() => msgs.filter((m) => m.topic.endsWith('/event')).length >= 2);
    const events = msgs.filter((m) => m.topic.endsWith('/event')).map((m) => parsePayload(deviceEventSchema('gate'), JSON.stringify(m.body)));
    expect(events.every((e) => e.ok)).toBe(true);
    const seqs = events.map((e) => (e.ok ? e.value.seq : -1));
    expect(seqs.slice(0, 2)).toEqual([0, 1]);
    expect(events[0]!.ok && events[0]!.value.event).toEqual({ type: 'gate.opened', transaction: 't-open' });
  });

  it('answers bad params and unknown commands with bad_request and never acts', async () => {
    await gate.close();
    request({ transaction: 't-bad', command: 'open', params: { durationMs: 60_000, reason: 'checkin' } });
    request({ transaction: 't-unknown', command: 'explode', params: {} });
    request({ transaction: 't-extra', command: 'open', params: { durationMs: 1000, reason: 'checkin', force: true } });
    request('{"transaction":"t-json", "command": 12}');
    await until(() => ['t-bad', 't-unknown', 't-extra', 't-json'].every((t) => responses().some((r) => r.transaction === t)));
    for (const t of ['t-bad', 't-unknown', 't-extra', 't-json']) {
      expect(responses().find((r) => r.transaction === t)).toMatchObject({ status: 'error', error: { code: 'bad_request' } });
    }
    expect(gate.isOpen()).toBe(false);
  });

  it('leaves a retained offline state behind when it stops', async () => {
    const other = new DeviceAgent({ deviceId: `${deviceId}-b`, port: new SimGate(), brokerUrl: URL, password: 'x' });
    await core.subscribeAsync(roomTopics.device(`${deviceId}-b`, 'state'), { qos: 1 });
    await other.start();
    await other.stop();
    await until(() => msgs.some((m) => m.topic === roomTopics.device(`${deviceId}-b`, 'state') && (m.body as { online: boolean }).online === false));
    await core.publishAsync(roomTopics.device(`${deviceId}-b`, 'state'), '', { qos: 1, retain: true });
  });
});
