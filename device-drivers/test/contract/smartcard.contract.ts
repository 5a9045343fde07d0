import type { SmartCardInfo, SmartCardPort } from '../../src/pcsc';
import { nextEvent, waitFor } from '../helpers/wait';

export interface SmartCardHarness {
  /** Built with a catalogue that classifies the harness's card as a CA key. */
  port: SmartCardPort;
  reader: string;
  /** ATR the inserted card presents (upper-case hex). */
  atr: string;
  insertCard(): Promise<void>;
  removeCard(): Promise<void>;
  dispose(): Promise<void>;
}

export function describeSmartCardContract(name: string, makeSubject: () => Promise<SmartCardHarness>): void {
  describe(`SmartCardPort contract: ${name}`, () => {
    let h: SmartCardHarness;
    const errors: Error[] = [];
    beforeEach(async () => {
      errors.length = 0;
      h = await makeSubject();
      h.port.on('error', (e) => errors.push(e));
      await h.port.start();
      await waitFor(() => h.port.readers().includes(h.reader), 20_000, `reader ${h.reader}`);
    }, 60_000);
    afterEach(async () => {
      await h.port.stop();
      await h.dispose();
    });

    it('sees the reader, then the card with its ATR, and recognises it as a CA key', async () => {
      expect(h.port.health().present).toBe(true);
      expect(h.port.caKeyPresent()).toBe(false);
      const inserted = nextEvent<[SmartCardInfo]>(h.port, 'cardInserted', 8000);
      await h.insertCard();
      const [card] = await inserted;
      expect(card).toMatchObject({ reader: h.reader, atr: h.atr, kind: 'ca_key' });
      expect(h.port.caKeyPresent()).toBe(true);
      expect(h.port.health().detail).toMatchObject({ cards: 1, caKey: true });
    }, 60_000);

    it('exchanges APDUs with the card: SELECT MF (no FCI), GET CHALLENGE', async () => {
      const inserted = nextEvent(h.port, 'cardInserted', 20_000);
      await h.insertCard();
      await inserted;
      const select = await h.port.transmit(h.reader, Buffer.from('00A4000C023F00', 'hex'));
      expect(select.subarray(-2).toString('hex')).toBe('9000');
      const c1 = await h.port.transmit(h.reader, Buffer.from('0084000008', 'hex'));
      const c2 = await h.port.transmit(h.reader, Buffer.from('0084000008', 'hex'));
      expect(c1).toHaveLength(10);
      expect(c1.subarray(-2).toString('hex')).toBe('9000');
      expect(c1.equals(c2)).toBe(false);
    }, 60_000);

    it('reports the removal, forgets the CA key and refuses APDUs without a card', async () => {
      const inserted = nextEvent(h.port, 'cardInserted', 20_000);
      await h.insertCard();
      await inserted;
      const removed = nextEvent<[string]>(h.port, 'cardRemoved', 20_000);
      await h.removeCard();
      expect((await removed)[0]).toBe(h.reader);
      expect(h.port.caKeyPresent()).toBe(false);
      await expect(h.port.transmit(h.reader, Buffer.from('0084000008', 'hex'))).rejects.toThrow();
      await expect(h.port.transmit('no such reader', Buffer.from('00', 'hex'))).rejects.toThrow(/no reader/);
    }, 60_000);

    it('stops without reporting the context-close error', async () => {
      await h.port.stop();
      await new Promise((r) => setTimeout(r, 50));
      expect(errors).toEqual([]);
    });
  });
}
