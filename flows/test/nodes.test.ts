import { randomUUID } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import { RequestEnvelope, parsePayload, residentIdCheckDigit, roomTopics } from '@evalroom/contracts';
import { startTestBroker, type TestBroker } from '../../device-drivers/test/helpers/broker';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const brokerNode = require('../nodes/evalroom-broker.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const eventNode = require('../nodes/evalroom-room-event.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const commandNode = require('../nodes/evalroom-command.js');

helper.init(require.resolve('node-red'));

type Msg = { topic: string; payload: Record<string, unknown>; event?: Record<string, unknown> };

const id17 = '11010519491231002';
const idNumber = id17 + residentIdCheckDigit(id17);
const tinyPng = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('evalroom Node-RED nodes (node-red-node-test-helper)', () => {
  let broker: TestBroker;
  let appliance: MqttClient;
  let device: MqttClient;

  beforeAll(async () => {
    broker = await startTestBroker({ appliance: 'a', nodered: 'n', 'reader-1': 'r' });
    appliance = await connectAsync(broker.url, { username: 'appliance', password: 'a', protocolVersion: 4 });
    device = await connectAsync(broker.url, { username: 'reader-1', password: 'r', protocolVersion: 4 });
  });
  afterAll(async () => {
    await appliance.endAsync();
    await device.endAsync();
    await broker.close();
  });
  beforeEach(() => new Promise<void>((r) => helper.startServer(r)));
  afterEach(async () => {
    await helper.unload();
    await new Promise((r) => helper.stopServer(r));
  });

  const flow = (category: string) => [
    { id: 'b', type: 'evalroom-broker', url: broker.url, username: 'nodered' },
    { id: 'ev', type: 'evalroom-room-event', broker: 'b', category, wires: [['out']] },
    { id: 'out', type: 'helper' },
  ];
  const creds = { b: { password: 'n' } };

  async function untilReceived<T>(publish: () => Promise<unknown>, got: T[], ms = 8000): Promise<void> {
    const until = Date.now() + ms;
    while (got.length === 0 && Date.now() < until) {
      await publish();
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  it('emits check-in outcomes from the appliance and drops invalid events', async () => {
    await helper.load([brokerNode, eventNode], flow('checkin'), creds);
    const got: Msg[] = [];
    const warnings: string[] = [];
    helper.getNode('out').on('input', (m: Msg) => got.push(m));
    helper.getNode('ev').on('call:warn', (call: { args: string[] }) => warnings.push(String(call.args[0])));
    const event = () => ({
      v: 1, eventId: randomUUID(), applianceId: 'ap-1', seq: 1, ts: new Date().toISOString(), type: 'checkin.rejected',
      data: { checkinId: 'ci-9', outcome: 'face_mismatch', reason: 'face did not match' },
    });
    await untilReceived(() => appliance.publishAsync(roomTopics.applianceEvent, JSON.stringify(event()), { qos: 1 }), got);
    expect(got[0]).toMatchObject({ topic: 'checkin.rejected', payload: { checkinId: 'ci-9', outcome: 'face_mismatch' } });
    const before = got.length;
    await appliance.publishAsync(roomTopics.applianceEvent, JSON.stringify({ v: 1, type: 'checkin.admitted', data: {} }), { qos: 1 });
    const until = Date.now() + 3000;
    while (!warnings.some((w) => /dropped appliance event/.test(w)) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(warnings.some((w) => /dropped appliance event/.test(w))).toBe(true);
    expect(got.length).toBe(before);
  }, 15_000);

  it('emits card reads with a masked ID number and no photo or name', async () => {
    await helper.load([brokerNode, eventNode], flow('card'), creds);
    const got: Msg[] = [];
    helper.getNode('out').on('input', (m: Msg) => got.push(m));
    let seq = 0;
    const event = () => ({
      v: 1, deviceId: 'reader-1', seq: seq++, ts: new Date().toISOString(),
      event: {
        type: 'card.read',
        card: { cardType: 'resident', name: '张三', sex: 'male', birthDate: '19491231', idNumber, validFrom: '20200101', validTo: '长期', photo: { format: 'png', data: tinyPng } },
      },
    });
    await untilReceived(() => device.publishAsync(roomTopics.device('reader-1', 'event'), JSON.stringify(event()), { qos: 1 }), got);
    expect(got[0]!.topic).toBe('card.read');
    expect(got[0]!.payload).toEqual({ type: 'card.read', card: { cardType: 'resident', idNumber: '110105********' + idNumber.slice(-4) } });
    expect(JSON.stringify(got[0])).not.toContain('张三');
    expect(got[0]!.event).toMatchObject({ source: 'reader-1', kind: 'idreader' });
  }, 15_000);

  it('sends a validated command to room/appliance/request and outputs the appliance reply', async () => {
    await helper.load(
      [brokerNode, commandNode],
      [
        { id: 'b', type: 'evalroom-broker', url: broker.url, username: 'nodered' },
        { id: 'cmd', type: 'evalroom-command', broker: 'b', command: 'checkin.override', paramsFromPayload: true, timeoutMs: 3000, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
      creds,
    );
    const requests: RequestEnvelope[] = [];
    appliance.on('message', (topic, payload) => {
      const r = parsePayload(RequestEnvelope, payload);
      if (topic !== roomTopics.applianceRequest || !r.ok) return;
      requests.push(r.value);
      void appliance.publishAsync(roomTopics.applianceResponse, JSON.stringify({ transaction: r.value.transaction, status: 'error', error: { code: 'conflict', message: 'already admitted' } }));
    });
    await appliance.subscribeAsync(roomTopics.applianceRequest, { qos: 1 });
    const replies: Msg[] = [];
    helper.getNode('out').on('input', (m: Msg) => replies.push(m));
    await untilReceived(async () => helper.getNode('cmd').receive({ payload: { checkinId: 'ci-1', staffId: 's-1' } }), replies);
    expect(requests[0]).toMatchObject({ command: 'checkin.override', params: { checkinId: 'ci-1', staffId: 's-1' } });
    expect(replies[0]!.payload).toMatchObject({ status: 'error', error: { code: 'conflict' } });
  }, 15_000);

  it('reports a command it cannot build instead of sending it', async () => {
    await helper.load(
      [brokerNode, commandNode],
      [
        { id: 'b', type: 'evalroom-broker', url: broker.url, username: 'nodered' },
        { id: 'cmd', type: 'evalroom-command', broker: 'b', command: '', wires: [[]] },
      ],
      creds,
    );
    const errors: string[] = [];
    helper.getNode('cmd').on('call:error', (call: { args: unknown[] }) => errors.push(String(call.args[0])));
    helper.getNode('cmd').receive({ payload: 1 });
    await new Promise((r) => setTimeout(r, 100));
    expect(errors.join(' ')).toMatch(/not sent: command/);
  });
});
