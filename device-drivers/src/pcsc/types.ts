import type { DeviceHealth } from '../ports';
import type { TypedEmitter } from '../typed-emitter';

/** What a card in a reader is for the room: a CA key (signs reports) or a staff IC card. */
export type SmartCardKind = 'ca_key' | 'staff_card' | 'unknown';

export interface SmartCardInfo {
  reader: string;
  /** ATR, upper-case hex without spaces. */
  atr: string;
  kind: SmartCardKind;
  label?: string;
  insertedAt: Date;
}

/** A catalogue rule: a card is of `kind` when its ATR matches, or when it answers SELECT of `aid` with 90 00. */
export interface SmartCardRule {
  kind: Exclude<SmartCardKind, 'unknown'>;
  label: string;
  /** Regular expression over the upper-case hex ATR, e.g. '^3B9513810180.*'. */
  atr?: string;
  /** Application identifier (hex) probed with SELECT by name. */
  aid?: string;
}

export type SmartCardEvents = {
  readerAdded: [reader: string];
  readerRemoved: [reader: string];
  cardInserted: [card: SmartCardInfo];
  cardRemoved: [reader: string];
  error: [error: Error];
};

/** PC/SC readers and their cards (not a room device kind: the appliance uses it for CA keys and staff cards). */
export interface SmartCardPort extends Pick<TypedEmitter<SmartCardEvents>, 'on' | 'removeAllByOwner'> {
  readonly driver: 'real' | 'simulated';
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): DeviceHealth;
  readers(): string[];
  cards(): SmartCardInfo[];
  /** Sends one APDU to the card in `reader` and returns the full response including SW1 SW2. */
  transmit(reader: string, apdu: Buffer): Promise<Buffer>;
  caKeyPresent(): boolean;
}

/** The subset of `@pokusew/pcsclite` the driver uses; the memory simulator implements the same. */
export interface PcscReaderLike {
  name: string;
  state: number;
  SCARD_STATE_PRESENT: number;
  SCARD_STATE_EMPTY: number;
  SCARD_SHARE_SHARED: number;
  SCARD_LEAVE_CARD: number;
  on(event: 'status', fn: (status: { atr?: Buffer; state: number }) => void): unknown;
  on(event: 'end', fn: () => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  connect(options: { share_mode?: number; protocol?: number }, cb: (err: unknown, protocol: number) => void): void;
  disconnect(disposition: number, cb: (err: unknown) => void): void;
  transmit(data: Buffer, resLen: number, protocol: number, cb: (err: unknown, response: Buffer) => void): void;
  close(): void;
}

export interface PcscContextLike {
  on(event: 'reader', fn: (reader: PcscReaderLike) => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  close(): void;
}
