import { SimLocker } from '../../src/sim/locker';
import { encodeLockerFrame, LockerBoardSimulator, LockerDecoder, SerialLockerBank, type LockerFrame } from '../../src/locker';
import { createMemoryLink, openSerialTransport } from '../../src/idreader/transport';
import { describeLockerContract } from '../contract/locker.contract';
import { openPtyPair } from '../helpers/pty';

describeLockerContract('simulated (SimLocker)', async () => {
  const port = new SimLocker({ slots: 2 });
  return { port, closeDoor: async (slot, occupied) => port.closeSlot(slot, occupied), dispose: async () => {} };
});

describeLockerContract('real serial board driver ↔ byte-level board simulator (memory link)', async () => {
  const [host, dev] = createMemoryLink();
  const board = new LockerBoardSimulator(dev, 2);
  const port = new SerialLockerBank({ openTransport: async () => host, slots: 2 });
  return { port, closeDoor: (s, o) => board.closeDoor(s, o), dispose: async () => board.detach() };
});

describeLockerContract('real serial board driver on a pty ↔ board simulator', async () => {
  const pty = await openPtyPair();
  const dev = await openSerialTransport({ path: pty.b, baudRate: 9600 });
  const board = new LockerBoardSimulator(dev, 2);
  const port = new SerialLockerBank({ openTransport: () => openSerialTransport({ path: pty.a, baudRate: 9600 }), slots: 2 });
  return {
    port,
    closeDoor: (s, o) => board.closeDoor(s, o),
    dispose: async () => {
      board.detach();
      await dev.close();
      await pty.close();
    },
  };
});

describe('locker protocol', () => {
  it('frames unlock slot 5 on board 1 as 02 01 31 05 03 3C and decodes a status reply', () => {
    expect(encodeLockerFrame({ addr: 1, cmd: 0x31, slot: 5 }).toString('hex')).toBe('02013105033c');
    const got: LockerFrame[] = [];
    const d = new LockerDecoder(true, (f) => got.push(f));
    const reply = encodeLockerFrame({ addr: 1, cmd: 0x31, slot: 5, status: 0x01 });
    const bad = Buffer.from(reply);
    bad[bad.length - 1] ^= 1;
    d.push(Buffer.concat([Buffer.from([0xff, 0x00]), bad, reply]));
    expect(got).toEqual([{ addr: 1, cmd: 0x31, slot: 5, status: 1 }]);
    expect(d.dropped).toBeGreaterThan(2);
  });

  it('reports a jammed lock as an error and a silent board as a timeout', async () => {
    const [host, dev] = createMemoryLink();
    const board = new LockerBoardSimulator(dev, 4);
    const port = new SerialLockerBank({ openTransport: async () => host, slots: 4, responseTimeoutMs: 100 });
    const errors: Error[] = [];
    port.on('error', (e) => errors.push(e));
    await port.start();
    board.jam(2);
    await expect(port.open(2)).rejects.toThrow(/fault/);
    board.detach();
    await expect(port.open(3)).rejects.toThrow(/did not answer/);
    expect(port.health().errors).toBe(1);
    await port.stop();
  });
});
