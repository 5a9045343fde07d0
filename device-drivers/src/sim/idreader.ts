import type { IdCard } from '@evalroom/contracts';
import type { DeviceHealth, IdReaderEvents, IdReaderPort } from '../ports';
import { TypedEmitter } from '../typed-emitter';

/** An ID reader driven from outside: insertCard() is a card placed on the reader. */
export class SimIdReader extends TypedEmitter<IdReaderEvents> implements IdReaderPort {
  readonly kind = 'idreader' as const;
  readonly driver = 'simulated' as const;
  private running = false;
  private card: IdCard | undefined;
  private lastSeen: Date | undefined;
  private errors = 0;

  constructor(private readonly options: { samId?: string } = {}) {
    super();
  }

  async start(): Promise<void> {
    this.running = true;
    this.lastSeen = new Date();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.card = undefined;
  }

  health(): DeviceHealth {
    return { present: this.running, lastSeen: this.lastSeen, errors: this.errors, detail: { cardPresent: this.card !== undefined } };
  }

  async reset(): Promise<void> {
    this.card = undefined;
  }

  async samStatus(): Promise<{ samId: string; ok: boolean }> {
    return { samId: this.options.samId ?? 'SIM-SAM-0001', ok: this.running };
  }

  /** Places a card on the reader; a card already there is removed first. */
  insertCard(card: IdCard): void {
    if (!this.running) throw new Error('reader is not started');
    if (this.card) this.removeCard();
    this.card = card;
    this.lastSeen = new Date();
    this.emit('card', card);
  }

  removeCard(): boolean {
    if (!this.card) return false;
    this.card = undefined;
    this.lastSeen = new Date();
    this.emit('removed');
    return true;
  }

  hasCard(): boolean {
    return this.card !== undefined;
  }

  /** Simulates a reader fault (e.g. a SAM that does not answer). */
  fail(message: string): void {
    this.errors++;
    this.emit('error', new Error(message));
  }
}
