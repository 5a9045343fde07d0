import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { PcscContextLike, PcscReaderLike } from './types';

/** A card as the memory simulator sees it: an ATR and an APDU responder. */
export interface VirtualCard {
  atr: Buffer;
  respond(apdu: Buffer): Buffer;
}

const SW = (sw1: number, sw2: number) => Buffer.from([sw1, sw2]);

/**
 * A minimal ISO 7816-4 card: SELECT MF/by path answers 90 00, SELECT by name answers 90 00 for
 * its own AIDs and 6A 82 otherwise, GET CHALLENGE returns fresh random bytes, the rest 6D 00.
 */
export function iso7816Card(atr: Buffer, aids: string[] = []): VirtualCard {
  const own = new Set(aids.map((a) => a.toUpperCase()));
  return {
    atr,
    respond(apdu) {
      if (apdu.length < 4) return SW(0x67, 0x00);
      const [cla, ins, p1] = apdu;
      if (cla !== 0x00) return SW(0x6e, 0x00);
      if (ins === 0xa4) {
        if (p1 === 0x04) {
          const aid = apdu.subarray(5, 5 + (apdu[4] ?? 0)).toString('hex').toUpperCase();
          return own.has(aid) ? SW(0x90, 0x00) : SW(0x6a, 0x82);
        }
        return SW(0x90, 0x00);
      }
      if (ins === 0x84) return Buffer.concat([randomBytes(apdu[4] || 8), SW(0x90, 0x00)]);
      return SW(0x6d, 0x00);
    },
  };
}

const STATE_EMPTY = 0x10;
const STATE_PRESENT = 0x20;
const STATE_CHANGED = 0x02;

/** One reader slot, with the status/connect/transmit shape of a pcsclite CardReader. */
export class MemoryReader extends EventEmitter implements PcscReaderLike {
  readonly SCARD_STATE_PRESENT = STATE_PRESENT;
  readonly SCARD_STATE_EMPTY = STATE_EMPTY;
  readonly SCARD_SHARE_SHARED = 2;
  readonly SCARD_LEAVE_CARD = 0;
  state = 0;
  private card?: VirtualCard;
  private connected = false;

  constructor(readonly name: string) {
    super();
  }

  insert(card: VirtualCard): void {
    this.card = card;
    this.status(STATE_PRESENT | STATE_CHANGED, card.atr);
  }

  remove(): void {
    this.card = undefined;
    this.connected = false;
    this.status(STATE_EMPTY | STATE_CHANGED);
  }

  /** Announces the initial (empty) state, as pcsclite does right after 'reader'. */
  announce(): void {
    this.status(this.card ? STATE_PRESENT : STATE_EMPTY, this.card?.atr);
  }

  private status(state: number, atr?: Buffer): void {
    setImmediate(() => {
      this.emit('status', { state, ...(atr ? { atr } : {}) });
      this.state = state;
    });
  }

  connect(_o: { share_mode?: number }, cb: (err: unknown, protocol: number) => void): void {
    setImmediate(() => {
      if (!this.card) return cb(new Error('SCardConnect error: no smart card'), 0);
      this.connected = true;
      cb(undefined, 2);
    });
  }

  disconnect(_d: number, cb: (err: unknown) => void): void {
    this.connected = false;
    setImmediate(() => cb(undefined));
  }

  transmit(data: Buffer, _len: number, _p: number, cb: (err: unknown, response: Buffer) => void): void {
    setImmediate(() => {
      if (!this.card || !this.connected) return cb(new Error('SCardTransmit error: card removed'), Buffer.alloc(0));
      cb(undefined, this.card.respond(Buffer.from(data)));
    });
  }

  close(): void {
    this.removeAllListeners('status');
  }
}

/** In-memory PC/SC context: readers are plugged and unplugged by the test or simulator. */
export class MemoryPcsc extends EventEmitter implements PcscContextLike {
  private readonly readers = new Map<string, MemoryReader>();

  plugReader(name: string): MemoryReader {
    const r = new MemoryReader(name);
    this.readers.set(name, r);
    setImmediate(() => {
      this.emit('reader', r);
      r.announce();
    });
    return r;
  }

  unplugReader(name: string): void {
    const r = this.readers.get(name);
    if (!r) return;
    this.readers.delete(name);
    r.emit('end');
  }

  reader(name: string): MemoryReader | undefined {
    return this.readers.get(name);
  }

  close(): void {
    // pcsclite emits an error on close; mirror it so the driver's handling is exercised.
    setImmediate(() => this.emit('error', new Error('SCardCancel: context closed')));
  }
}
