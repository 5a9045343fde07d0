import { SimIdReader } from '../../src/sim/idreader';
import { chipFromIdCard, GaT467IdReader, GaT467SamSimulator, TestWltCodec } from '../../src/idreader';
import { createMemoryLink, openSerialTransport, type ByteTransport } from '../../src/idreader/transport';
import { describeIdReaderContract } from '../contract/idreader.contract';
import { openPtyPair } from '../helpers/pty';

describeIdReaderContract('simulated (SimIdReader)', async () => {
  const port = new SimIdReader({ samId: 'SIM-SAM-1' });
  return {
    port,
    placeCard: (card) => port.insertCard(card),
    removeCard: () => port.removeCard(),
    dispose: async () => {},
  };
});

describeIdReaderContract('real GA/T 467 driver ↔ byte-level SAM over an in-memory link', async () => {
  const [host, device] = createMemoryLink();
  const sam = new GaT467SamSimulator(device);
  const port = new GaT467IdReader({ openTransport: async () => host, wltDecoder: new TestWltCodec(), pollIntervalMs: 20 });
  return {
    port,
    placeCard: (card) => sam.placeCard(chipFromIdCard(card)),
    removeCard: () => sam.removeCard(),
    dispose: async () => sam.detach(),
  };
});

describeIdReaderContract('real GA/T 467 driver on a serial port ↔ byte-level SAM on a pseudo-terminal', async () => {
  const pty = await openPtyPair();
  const device: ByteTransport = await openSerialTransport({ path: pty.b, baudRate: 115200 });
  const sam = new GaT467SamSimulator(device);
  const port = new GaT467IdReader({
    openTransport: () => openSerialTransport({ path: pty.a, baudRate: 115200 }),
    wltDecoder: new TestWltCodec(),
    pollIntervalMs: 20,
  });
  return {
    port,
    placeCard: (card) => sam.placeCard(chipFromIdCard(card)),
    removeCard: () => sam.removeCard(),
    dispose: async () => {
      sam.detach();
      await device.close();
      await pty.close();
    },
  };
});
