import { SimTablet } from '../../src/sim/tablet';
import { testPatternPng } from '../../src/sim/image';
import { MqttTablet, TabletClientSimulator } from '../../src/tablet';
import { describeTabletContract } from '../contract/tablet.contract';
import { startTestBroker, type TestBroker } from '../helpers/broker';
import { waitFor } from '../helpers/wait';

describeTabletContract('simulated (SimTablet)', async () => {
  const port = new SimTablet();
  port.setNextFace(testPatternPng(64, 48));
  return {
    port,
    press: async (b) => port.press(b),
    shownMessages: () => port.shownMessages(),
    dispose: async () => {},
  };
});

describe('over a room broker', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ appliance: 's3cret', 'tablet-1': 't4blet' });
  });
  afterAll(async () => broker.close());

  describeTabletContract('real MqttTablet ↔ simulated tablet client on the room broker', async () => {
    const tablet = new TabletClientSimulator({ brokerUrl: broker.url, tabletId: 'tablet-1', username: 'tablet-1', password: 't4blet' });
    await tablet.start();
    const port = new MqttTablet({ brokerUrl: broker.url, username: 'appliance', password: 's3cret', tabletId: 'tablet-1' });
    return {
      port,
      press: (b) => tablet.press(b),
      shownMessages: () => tablet.screen.shownMessages(),
      dispose: () => tablet.stop(),
    };
  });

  it('times out when the tablet does not answer and sees it go offline through its Last Will', async () => {
    const tablet = new TabletClientSimulator({ brokerUrl: broker.url, tabletId: 'tablet-1', username: 'tablet-1', password: 't4blet' });
    await tablet.start();
    const port = new MqttTablet({ brokerUrl: broker.url, username: 'appliance', password: 's3cret', tabletId: 'tablet-1' });
    await port.start();
    await waitFor(() => port.health().present, 3000, 'online');
    tablet.silent = true;
    await expect(port.captureFace(1000)).rejects.toThrow(/did not answer within 1000 ms/);
    tablet.crash();
    await waitFor(() => !port.health().present, 3000, 'offline via Last Will');
    await port.stop();
  });

  it('refuses bad parameters before sending and a wrong password at connect', async () => {
    const port = new MqttTablet({ brokerUrl: broker.url, username: 'appliance', password: 's3cret', tabletId: 'tablet-1' });
    await port.start();
    await expect(port.captureFace(10)).rejects.toThrow(/bad parameters/);
    await port.stop();
    const intruder = new MqttTablet({ brokerUrl: broker.url, username: 'appliance', password: 'nope', tabletId: 'tablet-1' });
    await expect(intruder.start()).rejects.toThrow(/Not authorized|Bad username/i);
  });
});
