import { IdCard, residentIdCheckDigit } from '@evalroom/contracts';
import type { IdReaderPort } from '../../src/ports';
import { decodeBmp24, syntheticPortraitBmp } from '../../src/idreader/bmp';
import { nextEvent, sleep } from '../helpers/wait';

export interface IdReaderHarness {
  port: IdReaderPort;
  /** A card is laid on the reader. */
  placeCard(card: IdCard): void;
  removeCard(): void;
  /** Releases whatever the harness set up (ptys, simulators); the port is already stopped. */
  dispose(): Promise<void>;
}

const first17 = '11010519491231002';
export const contractCard: IdCard = IdCard.parse({
  cardType: 'resident',
  name: '张三丰',
  sex: 'male',
  nation: '汉',
  birthDate: '19491231',
  address: '北京市朝阳区建国路88号',
  idNumber: first17 + residentIdCheckDigit(first17),
  issuer: '北京市公安局朝阳分局',
  validFrom: '20200101',
  validTo: '长期',
  photo: { format: 'bmp', data: syntheticPortraitBmp(3).toString('base64') },
});

/**
 * Behaviour every IdReaderPort must show, real or simulated (aedes-persistence style abstract
 * suite): call it from a test file with a factory for the implementation under test.
 */
export function describeIdReaderContract(name: string, makeSubject: () => Promise<IdReaderHarness>): void {
  describe(`IdReaderPort contract: ${name}`, () => {
    let h: IdReaderHarness;
    beforeEach(async () => {
      h = await makeSubject();
      await h.port.start();
    });
    afterEach(async () => {
      await h.port.stop();
      await h.dispose();
    });

    it('reports a working SAM and healthy device once started', async () => {
      const sam = await h.port.samStatus();
      expect(sam.ok).toBe(true);
      expect(sam.samId.length).toBeGreaterThan(0);
      expect(h.port.health().present).toBe(true);
      expect(h.port.kind).toBe('idreader');
    });

    it('emits the card laid on it, decoded field by field, with a 102 × 126 photo', async () => {
      const seen = nextEvent<[IdCard]>(h.port, 'card');
      h.placeCard(contractCard);
      const [card] = await seen;
      expect(IdCard.safeParse(card).success).toBe(true);
      const { photo, ...fields } = card;
      const { photo: expectedPhoto, ...expected } = contractCard;
      expect(fields).toEqual(expected);
      expect(photo.format).toBe('bmp');
      const bmp = decodeBmp24(Buffer.from(photo.data, 'base64'));
      expect([bmp.width, bmp.height]).toEqual([102, 126]);
      expect(Buffer.from(photo.data, 'base64').equals(Buffer.from(expectedPhoto.data, 'base64'))).toBe(true);
    });

    it('reports a card once while it stays, then `removed`, then the next card again', async () => {
      const cards: IdCard[] = [];
      let removed = 0;
      const owner = {};
      h.port.on('card', (c) => cards.push(c), owner);
      h.port.on('removed', () => removed++, owner);
      const first = nextEvent(h.port, 'card');
      h.placeCard(contractCard);
      await first;
      await sleep(250);
      expect(cards).toHaveLength(1);
      const gone = nextEvent(h.port, 'removed');
      h.removeCard();
      await gone;
      expect(removed).toBe(1);
      const again = nextEvent(h.port, 'card');
      h.placeCard(contractCard);
      await again;
      expect(cards).toHaveLength(2);
      h.port.removeAllByOwner(owner);
    });

    it('keeps working when a listener throws', async () => {
      h.port.on('card', () => {
        throw new Error('faulty consumer');
      });
      const seen = nextEvent<[IdCard]>(h.port, 'card');
      h.placeCard(contractCard);
      const [card] = await seen;
      expect(card.idNumber).toBe(contractCard.idNumber);
    });

    it('resets on request and stops cleanly', async () => {
      await expect(h.port.reset()).resolves.toBeUndefined();
      await h.port.stop();
      expect(h.port.health().present).toBe(false);
    });
  });
}
