import { ApplianceEvent, RequestEnvelope, okResponse, parsePayload, roomTopics, type RequestEnvelope as Req } from '@evalroom/contracts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { startEmbeddedNodeRed, type EmbeddedNodeRed } from '../../src/nodered';
import { startTestBroker, type TestBroker } from '../../../device-drivers/test/helpers/broker';
import { checkinAdmitted, startHttp } from './helpers';

/**
 * The shipped default flow, in Node-RED embedded the way the edge embeds it, reacts to a
 * check-in event on the room broker and sends a command to the appliance through it.
 */
describe('embedded Node-RED with the shipped flows', () => {
  let broker: TestBroker;
  let http: Awaited<ReturnType<typeof startHttp>>;
  let red: EmbeddedNodeRed;
  let appliance: MqttClient;
  let userDir: string;

  beforeAll(async () => {
    broker = await startTestBroker({ appliance: 'app-pass', nodered: 'nr-pass' });
    http = await startHttp();
    userDir = mkdtempSync(join(tmpdir(), 'evalroom-nodered-'));
    red = await startEmbeddedNodeRed({
      app: http.app,
      server: http.server,
      userDir,
      editor: false,
      broker: { url: broker.url, password: 'nr-pass' },
      credentialSecret: 'test-credential-secret',
    });
    appliance = await connectAsync(broker.url, { username: 'appliance', password: 'app-pass', protocolVersion: 4 });
  }, 30_000);

  afterAll(async () => {
    await appliance?.endAsync();
    await red?.stop();
    await http?.close();
    await broker?.close();
    rmSync(userDir, { recursive: true, force: true });
  });

  it('copies the shipped flows into its user dir', () => {
    const flows = JSON.parse(readFileSync(red.flowFile, 'utf8')) as Array<{ type: string }>;
    expect(flows.map((n) => n.type)).toEqual(expect.arrayContaining(['evalroom-broker', 'evalroom-room-event', 'evalroom-command']));
  });

  it('keeps the editor and admin API closed without an admin user', async () => {
    expect(red.editorPath).toBeUndefined();
    for (const path of ['/red/', '/red/flows', '/flows', '/']) expect((await fetch(http.base + path)).status).toBe(404);
  });

  it('answers a check-in event with a validated command on room/appliance/request, and passes on the reply', async () => {
    const requests: Req[] = [];
    appliance.on('message', (topic, payload) => {
      if (topic !== roomTopics.applianceRequest) return;
      const r = parsePayload(RequestEnvelope, payload);
      if (!r.ok) throw new Error(`invalid request from Node-RED: ${r.reason}`);
      requests.push(r.value);
      void appliance.publishAsync(roomTopics.applianceResponse, JSON.stringify(okResponse(r.value.transaction, { sessions: 1 })), { qos: 1 });
    });
    await appliance.subscribeAsync(roomTopics.applianceRequest, { qos: 1 });
    // Node-RED subscribes asynchronously after start: repeat the event until the flow reacts.
    let seq = 0;
    const deadline = Date.now() + 10_000;
    while (requests.length === 0 && Date.now() < deadline) {
      const event = checkinAdmitted(seq++);
      expect(ApplianceEvent.safeParse(event).success).toBe(true);
      await appliance.publishAsync(roomTopics.applianceEvent, JSON.stringify(event), { qos: 1 });
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(requests.length).toBeGreaterThanOrEqual(1);
    expect(requests[0]).toMatchObject({ command: 'status', params: {} });
  }, 20_000);
});
