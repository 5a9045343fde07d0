import { iso7816Card, MemoryPcsc, PcscSmartCards, type SmartCardRule } from '../../src/pcsc';
import { describeSmartCardContract } from '../contract/smartcard.contract';
import { startPcscd, startVicc, VICC_ATR, VPCD_READER, type Running } from './vsmartcard';

const catalogue = (atr: string): SmartCardRule[] => [
  { kind: 'staff_card', label: 'room staff IC card', aid: 'F0455641524F4F4D' },
  { kind: 'ca_key', label: 'test CA key', atr: `^${atr}$` },
];

describeSmartCardContract('simulated PC/SC (in-memory readers and an ISO 7816 card)', async () => {
  const ctx = new MemoryPcsc();
  const atr = '3B8F8001804F0CA000000306030001000000006A';
  const port = new PcscSmartCards({ createContext: async () => ctx, catalogue: catalogue(atr), driver: 'simulated' });
  ctx.plugReader('Sim Reader 00');
  return {
    port,
    reader: 'Sim Reader 00',
    atr,
    insertCard: async () => ctx.reader('Sim Reader 00')!.insert(iso7816Card(Buffer.from(atr, 'hex'))),
    removeCard: async () => ctx.reader('Sim Reader 00')!.remove(),
    dispose: async () => {},
  };
});

describe('real pcsclite against pcscd with vpcd and a vicc virtual card', () => {
  let pcscd: Running;
  beforeAll(async () => {
    pcscd = await startPcscd();
  }, 20_000);
  afterAll(async () => {
    await pcscd?.stop();
  });

  describeSmartCardContract('real (@pokusew/pcsclite ↔ pcscd ↔ vpcd ↔ vicc)', async () => {
    let vicc: Running | undefined;
    const port = new PcscSmartCards({ catalogue: catalogue(VICC_ATR) });
    return {
      port,
      reader: VPCD_READER,
      atr: VICC_ATR,
      insertCard: async () => {
        vicc = await startVicc();
      },
      removeCard: async () => {
        await vicc?.stop();
        vicc = undefined;
      },
      dispose: async () => {
        await vicc?.stop();
      },
    };
  });
});

describe('PcscSmartCards specifics (in-memory)', () => {
  it('classifies a staff card by SELECT of its AID, and follows reader unplug', async () => {
    const ctx = new MemoryPcsc();
    const port = new PcscSmartCards({ createContext: async () => ctx, catalogue: catalogue('3B00') });
    await port.start();
    const r = ctx.plugReader('Desk Reader');
    await new Promise((res) => port.on('readerAdded', res));
    const inserted = new Promise((res) => port.on('cardInserted', res));
    r.insert(iso7816Card(Buffer.from('3B021122', 'hex'), ['F0455641524F4F4D']));
    expect(await inserted).toMatchObject({ kind: 'staff_card', label: 'room staff IC card', atr: '3B021122' });
    expect(port.caKeyPresent()).toBe(false);
    const events: string[] = [];
    port.on('cardRemoved', () => events.push('cardRemoved'));
    port.on('readerRemoved', () => events.push('readerRemoved'));
    ctx.unplugReader('Desk Reader');
    expect(events).toEqual(['cardRemoved', 'readerRemoved']);
    expect(port.readers()).toEqual([]);
    expect(port.health().present).toBe(false);
    await port.stop();
  });
});
