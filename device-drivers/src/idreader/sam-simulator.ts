import type { ByteTransport } from './transport';
import { encodeResponse, requestDecoder, type RequestFrame } from './frame';
import { encodeText, NATION_CODES } from './ga490';
import { Command, encodeReadPayload, type CommandName } from './protocol';
import { encodeSamId } from './sam-id';
import { TestWltCodec } from './wlt';
import { syntheticPortraitBmp } from './bmp';

/** What a simulated card holds, already in chip form. */
export interface SimulatedChip {
  text: Buffer;
  wlt: Buffer;
  fingerprint?: Buffer;
  newAddress?: string;
}

export interface ResidentCardSpec {
  name: string;
  /** GB/T 2261.1 code: '1' male, '2' female */
  sex: string;
  /** GB 3304 code, e.g. '01' */
  nation: string;
  birthDate: string;
  address: string;
  idNumber: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  newAddress?: string;
  photoBmp?: Buffer;
}

/** Builds a resident card chip image; the photo is carried as test-WLT so it round-trips. */
export function residentChip(spec: ResidentCardSpec, codec = new TestWltCodec()): SimulatedChip {
  const { photoBmp, newAddress, ...fields } = spec;
  return {
    text: encodeText('resident', fields),
    wlt: codec.encode(photoBmp ?? syntheticPortraitBmp()),
    fingerprint: Buffer.alloc(1024, 0x5a),
    newAddress,
  };
}

const byCode = new Map<number, CommandName>(
  (Object.entries(Command) as Array<[CommandName, { cmd: number; para: number }]>).map(([n, c]) => [(c.cmd << 8) | c.para, n]),
);

export interface SamSimulatorFaults {
  /** Bytes written before the next response's preamble. */
  garbageBeforeNext?: Buffer;
  /** Corrupt the checksum of the next N responses (one fault per response, in this order). */
  badChecksum?: number;
  /** Send only the first half of the next N responses. */
  truncate?: number;
  /** Ignore the next N requests entirely. */
  silent?: number;
  /** Answer a command with this SW3 instead (persistent until cleared). */
  forceStatus?: Partial<Record<CommandName, number>>;
  /** Split the next N responses into single-byte writes. */
  trickle?: number;
}

/**
 * A GA/T 467 SAM at the byte level, on the far end of a ByteTransport (pty or memory link).
 * It keeps the card/selection state machine of a real module and answers malformed requests
 * with the standard's terminal-error status words (0x10 checksum, 0x11 length, 0x21 command).
 */
export class GaT467SamSimulator {
  readonly received: CommandName[] = [];
  faults: SamSimulatorFaults = {};
  private chip?: SimulatedChip;
  private selected = false;
  private readonly samId: Buffer;
  private readonly unsubscribe: () => void;
  private readonly decoder = requestDecoder(
    (f) => void this.onRequest(f),
    (d) => {
      if (d.kind === 'checksum') void this.reply(0x10);
      else if (d.kind === 'length') void this.reply(0x11);
    },
  );

  constructor(
    private readonly transport: ByteTransport,
    samId = '05.01-20260101-0000012345-1234567890',
  ) {
    this.samId = encodeSamId(samId);
    this.unsubscribe = transport.onData((chunk) => this.decoder.push(chunk));
  }

  placeCard(chip: SimulatedChip): void {
    this.chip = chip;
    this.selected = false;
  }

  removeCard(): void {
    this.chip = undefined;
    this.selected = false;
  }

  detach(): void {
    this.unsubscribe();
  }

  private async onRequest(f: RequestFrame): Promise<void> {
    const name = byCode.get((f.cmd << 8) | f.para);
    if (name) this.received.push(name);
    if (this.faults.silent) {
      this.faults.silent--;
      return;
    }
    if (!name) return this.reply(0x21);
    const forced = this.faults.forceStatus?.[name];
    if (forced !== undefined) return this.reply(forced);
    switch (name) {
      case 'reset':
        this.selected = false;
        return this.reply(0x90);
      case 'samStatus':
        return this.reply(0x90);
      case 'samId':
        return this.reply(0x90, this.samId);
      case 'findCard':
        return this.chip ? this.reply(0x9f, Buffer.alloc(4)) : this.reply(0x80);
      case 'selectCard':
        if (!this.chip) return this.reply(0x81);
        this.selected = true;
        return this.reply(0x90, Buffer.alloc(8));
      case 'readBase':
      case 'readWithFingerprint': {
        if (!this.chip || !this.selected) return this.reply(0x41);
        const fp = name === 'readWithFingerprint' ? (this.chip.fingerprint ?? Buffer.alloc(0)) : undefined;
        return this.reply(0x90, encodeReadPayload({ text: this.chip.text, photo: this.chip.wlt, fingerprint: fp }));
      }
      case 'readNewAddress':
        if (!this.chip || !this.selected) return this.reply(0x41);
        if (!this.chip.newAddress) return this.reply(0x91);
        return this.reply(0x90, Buffer.from(this.chip.newAddress.padEnd(35, ' '), 'utf16le'));
    }
  }

  private async reply(sw3: number, data: Buffer = Buffer.alloc(0)): Promise<void> {
    let bytes = encodeResponse({ sw1: 0, sw2: 0, sw3, data });
    if (this.faults.badChecksum) {
      this.faults.badChecksum--;
      bytes[bytes.length - 1] ^= 0xff;
    } else if (this.faults.truncate) {
      this.faults.truncate--;
      bytes = bytes.subarray(0, Math.max(6, bytes.length >> 1));
    }
    if (this.faults.garbageBeforeNext) {
      bytes = Buffer.concat([this.faults.garbageBeforeNext, bytes]);
      this.faults.garbageBeforeNext = undefined;
    }
    try {
      if (this.faults.trickle) {
        this.faults.trickle--;
        for (const b of bytes) await this.transport.write(Buffer.from([b]));
      } else await this.transport.write(bytes);
    } catch {
      // link closed under us: nothing to answer to
    }
  }
}

const SEX_TO_CODE = { male: '1', female: '2', unknown: '0' } as const;

/**
 * Chip image of a decoded card (the inverse of the driver), so a simulator can carry exactly
 * the card a test expects to read back. The photo must be a BMP (it is packed as test-WLT).
 */
export function chipFromIdCard(card: import('@evalroom/contracts').IdCard, codec = new TestWltCodec()): SimulatedChip {
  if (card.photo.format !== 'bmp') throw new Error('simulated chips carry BMP photos');
  const photo = codec.encode(Buffer.from(card.photo.data, 'base64'));
  const common = { sex: SEX_TO_CODE[card.sex], birthDate: card.birthDate, idNumber: card.idNumber, validFrom: card.validFrom, validTo: card.validTo };
  if (card.cardType === 'foreigner') {
    const m = /^(.*) \((.*)\)$/.exec(card.name);
    const text = encodeText('foreigner', {
      ...common,
      englishName: m ? m[1] : card.name,
      chineseName: m ? m[2] : '',
      nationality: card.nation ?? '',
      issuerCode: card.issuer ?? '',
      version: '01',
    });
    return { text, wlt: photo };
  }
  if (card.cardType === 'hk_macau_taiwan') {
    const text = encodeText('hk_macau_taiwan', { ...common, name: card.name, address: card.address ?? '', issuer: card.issuer ?? '' });
    return { text, wlt: photo };
  }
  const nation = Object.entries(NATION_CODES).find(([, n]) => n === card.nation)?.[0] ?? card.nation ?? '';
  const text = encodeText('resident', { ...common, name: card.name, nation, address: card.address ?? '', issuer: card.issuer ?? '' });
  return { text, wlt: photo, fingerprint: Buffer.alloc(1024, 0x5a) };
}
