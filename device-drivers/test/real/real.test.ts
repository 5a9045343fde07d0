import { DeviceConfig, type IdCard } from '@evalroom/contracts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chipFromIdCard, GaT467SamSimulator } from '../../src/idreader';
import { openSerialTransport } from '../../src/idreader/transport';
import { LockerBoardSimulator } from '../../src/locker';
import type { IdReaderPort, LockerPort, TabletPort } from '../../src/ports';
import { createRealDevice } from '../../src/real';
import { TabletClientSimulator } from '../../src/tablet';
import { contractCard } from '../contract/idreader.contract';
import { startTestBroker } from '../helpers/broker';
import { openPtyPair } from '../helpers/pty';
import { nextEvent, waitFor } from '../helpers/wait';

const cfg = (kind: DeviceConfig['kind'], options: Record<string, unknown>) => DeviceConfig.parse({ deviceId: `${kind}-1`, kind, driver: 'real', options });

describe('createRealDevice', () => {
  it.each([
    ['idreader', { path: '/dev/ttyUSB0' }, /wlt/],
    ['idreader', { path: '/dev/ttyUSB0', wlt: { type: 'test' }, baudRate: 12345 }, /baudRate/],
    ['gate', { relayPin: -1 }, /relayPin/],
    ['gate', { relayPin: 17, extra: true }, /Unrecognized key/i],
    ['locker', { path: '/dev/ttyS1' }, /slots/],
    ['tablet', { brokerUrl: 'http://x' }, /brokerUrl/],
    ['camera', {}, /exactly one of rtspUrl, v4l2Device, testPattern/],
  ] as const)('rejects bad %s options with the reason: %j', async (kind, options, reason) => {
    await expect(createRealDevice(cfg(kind, options))).rejects.toThrow(reason);
  });

  it('builds a gate without touching GPIO until started', async () => {
    const gate = await createRealDevice(cfg('gate', { relayPin: 17, doorSensorPin: 27 }));
    expect([gate.kind, gate.driver]).toEqual(['gate', 'real']);
    expect(gate.health()).toMatchObject({ present: false, errors: 0 });
  });

  it('switches an ID reader to the real GA/T 467 driver by configuration alone (serial on a pty)', async () => {
    const pty = await openPtyPair();
    const dev = await openSerialTransport({ path: pty.b, baudRate: 115200 });
    const sam = new GaT467SamSimulator(dev);
    const reader = (await createRealDevice(cfg('idreader', { path: pty.a, wlt: { type: 'test' }, pollIntervalMs: 20 }))) as IdReaderPort;
    try {
      await reader.start();
      const seen = nextEvent<[IdCard]>(reader, 'card');
      sam.placeCard(chipFromIdCard(contractCard));
      expect((await seen)[0].idNumber).toBe(contractCard.idNumber);
    } finally {
      await reader.stop();
      sam.detach();
      await dev.close();
      await pty.close();
    }
  });

  it('builds a locker bank on a serial board and a tablet port on the room broker from config', async () => {
    const pty = await openPtyPair();
    const dev = await openSerialTransport({ path: pty.b, baudRate: 9600 });
    const board = new LockerBoardSimulator(dev, 8);
    const locker = (await createRealDevice(cfg('locker', { path: pty.a, slots: 8 }))) as LockerPort;
    const broker = await startTestBroker({ 'tablet-port': 'pw1', 'tablet-hw': 'pw2' });
    const dir = mkdtempSync(join(tmpdir(), 'evalroom-secrets-'));
    writeFileSync(join(dir, 'tablet.pw'), 'pw1\n');
    const hw = new TabletClientSimulator({ brokerUrl: broker.url, tabletId: 'tablet-hw', username: 'tablet-hw', password: 'pw2' });
    await hw.start();
    const tablet = (await createRealDevice(
      cfg('tablet', { brokerUrl: broker.url, username: 'tablet-port', passwordFile: join(dir, 'tablet.pw'), tabletId: 'tablet-hw' }),
    )) as TabletPort;
    try {
      await locker.start();
      const slot = await locker.assign('checkin-42');
      const opened = nextEvent<[number]>(locker, 'slotOpened');
      await locker.open(slot);
      expect((await opened)[0]).toBe(slot);
      await tablet.start();
      await waitFor(() => tablet.health().present, 3000, 'tablet online');
      await tablet.showMessage('欢迎', '请存放手机');
      expect(hw.screen.shownMessages().at(-1)?.title).toBe('欢迎');
    } finally {
      await locker.stop();
      await tablet.stop();
      await hw.stop();
      board.detach();
      await dev.close();
      await pty.close();
      await broker.close();
    }
  });
});
