import type { DeviceHealth } from '../ports';
import { TypedEmitter } from '../typed-emitter';
import type { PcscContextLike, PcscReaderLike, SmartCardEvents, SmartCardInfo, SmartCardPort, SmartCardRule } from './types';

export interface PcscOptions {
  /** Creates the PC/SC context; defaults to `@pokusew/pcsclite`, loaded only when started. */
  createContext?: () => Promise<PcscContextLike>;
  catalogue?: SmartCardRule[];
  log?: (line: string) => void;
  driver?: 'real' | 'simulated';
}

export async function pcscliteContext(): Promise<PcscContextLike> {
  const mod = await import('@pokusew/pcsclite');
  const pcsc = (mod as unknown as { default?: () => PcscContextLike }).default ?? (mod as unknown as () => PcscContextLike);
  return pcsc();
}

interface Slot {
  reader: PcscReaderLike;
  protocol?: number;
  card?: SmartCardInfo;
  connecting?: Promise<void>;
}

const hex = (b: Buffer) => b.toString('hex').toUpperCase();

/**
 * Smart-card readers over PC/SC: follows readers and card insertion from pcscd's status events,
 * connects shared to each card, classifies it against the catalogue (ATR pattern, then SELECT by
 * AID) and exchanges APDUs. pcsclite's `close()` emits an error by design; it is ignored once
 * stopping.
 */
export class PcscSmartCards extends TypedEmitter<SmartCardEvents> implements SmartCardPort {
  readonly driver: 'real' | 'simulated';
  private ctx?: PcscContextLike;
  private readonly slots = new Map<string, Slot>();
  private stopping = false;
  private errors = 0;
  private lastError?: string;
  private lastSeen?: Date;
  private readonly catalogue: SmartCardRule[];

  constructor(private readonly opts: PcscOptions = {}) {
    super((err, event) => opts.log?.(`pcsc listener for ${event} threw: ${String(err)}`));
    this.driver = opts.driver ?? 'real';
    this.catalogue = opts.catalogue ?? [];
  }

  async start(): Promise<void> {
    if (this.ctx) return;
    this.stopping = false;
    this.ctx = await (this.opts.createContext ?? pcscliteContext)();
    this.lastSeen = new Date();
    this.ctx.on('error', (err) => {
      if (!this.stopping) this.fail(new Error(`PC/SC: ${err.message}`));
    });
    this.ctx.on('reader', (reader) => this.addReader(reader));
  }

  async stop(): Promise<void> {
    if (!this.ctx) return;
    this.stopping = true;
    for (const slot of this.slots.values()) {
      if (slot.protocol !== undefined) await new Promise<void>((r) => slot.reader.disconnect(slot.reader.SCARD_LEAVE_CARD, () => r()));
      slot.reader.close();
    }
    this.slots.clear();
    this.ctx.close();
    this.ctx = undefined;
  }

  health(): DeviceHealth {
    return {
      present: this.ctx !== undefined && this.slots.size > 0,
      lastSeen: this.lastSeen,
      errors: this.errors,
      detail: { readers: this.slots.size, cards: this.cards().length, caKey: this.caKeyPresent(), lastError: this.lastError ?? null },
    };
  }

  readers(): string[] {
    return [...this.slots.keys()];
  }

  cards(): SmartCardInfo[] {
    return [...this.slots.values()].flatMap((s) => (s.card ? [s.card] : []));
  }

  caKeyPresent(): boolean {
    return this.cards().some((c) => c.kind === 'ca_key');
  }

  async transmit(reader: string, apdu: Buffer): Promise<Buffer> {
    const slot = this.slots.get(reader);
    if (!slot) throw new Error(`no reader ${JSON.stringify(reader)}`);
    await slot.connecting;
    if (slot.protocol === undefined) throw new Error(`no card in ${reader}`);
    const protocol = slot.protocol;
    const once = () =>
      new Promise<Buffer>((resolve, reject) =>
        slot.reader.transmit(apdu, 258, protocol, (err, data) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(data))),
      );
    // Right after insertion (or a reset) a card may still be settling: PC/SC answers
    // SCARD_E_NOT_TRANSACTED / SCARD_W_RESET_CARD for a moment. Retry those briefly; any
    // other error, or a card that was removed meanwhile, fails at once.
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await once();
        this.lastSeen = new Date();
        return res;
      } catch (err) {
        if (attempt >= TRANSIENT_RETRIES.length || !isTransientPcscError(err) || slot.protocol === undefined) throw err;
        await new Promise((r) => setTimeout(r, TRANSIENT_RETRIES[attempt]));
      }
    }
  }

  private addReader(reader: PcscReaderLike): void {
    const slot: Slot = { reader };
    this.slots.set(reader.name, slot);
    this.lastSeen = new Date();
    this.emit('readerAdded', reader.name);
    reader.on('error', (err) => this.fail(new Error(`${reader.name}: ${err.message}`)));
    reader.on('end', () => {
      if (this.slots.get(reader.name) !== slot) return;
      if (slot.card) this.emit('cardRemoved', reader.name);
      this.slots.delete(reader.name);
      this.emit('readerRemoved', reader.name);
    });
    reader.on('status', (status) => {
      const changes = (reader.state ?? 0) ^ status.state;
      if (!changes) return;
      const presentNow = (status.state & reader.SCARD_STATE_PRESENT) !== 0;
      if (presentNow && !slot.card && !slot.connecting) {
        slot.connecting = this.onInserted(slot, status.atr ?? Buffer.alloc(0)).finally(() => (slot.connecting = undefined));
      } else if (!presentNow && (status.state & reader.SCARD_STATE_EMPTY) !== 0 && (slot.card || slot.protocol !== undefined)) {
        void this.onRemoved(slot);
      }
    });
  }

  private async onInserted(slot: Slot, atr: Buffer): Promise<void> {
    try {
      slot.protocol = await new Promise<number>((resolve, reject) =>
        slot.reader.connect({ share_mode: slot.reader.SCARD_SHARE_SHARED }, (err, protocol) =>
          err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(protocol),
        ),
      );
      const info: SmartCardInfo = { reader: slot.reader.name, atr: hex(atr), kind: 'unknown', insertedAt: new Date() };
      const rule = await this.classify(slot, info.atr);
      if (rule) Object.assign(info, { kind: rule.kind, label: rule.label });
      slot.card = info;
      this.lastSeen = info.insertedAt;
      this.emit('cardInserted', info);
    } catch (err) {
      slot.protocol = undefined;
      this.fail(new Error(`${slot.reader.name}: card connect failed: ${(err as Error).message}`));
    }
  }

  private async onRemoved(slot: Slot): Promise<void> {
    await slot.connecting;
    const had = slot.card !== undefined;
    slot.card = undefined;
    if (slot.protocol !== undefined) {
      slot.protocol = undefined;
      await new Promise<void>((r) => slot.reader.disconnect(slot.reader.SCARD_LEAVE_CARD, () => r()));
    }
    this.lastSeen = new Date();
    if (had) this.emit('cardRemoved', slot.reader.name);
  }

  private async classify(slot: Slot, atr: string): Promise<SmartCardRule | undefined> {
    for (const rule of this.catalogue) if (rule.atr && new RegExp(rule.atr, 'i').test(atr)) return rule;
    for (const rule of this.catalogue) {
      if (!rule.aid) continue;
      const aid = Buffer.from(rule.aid, 'hex');
      const protocol = slot.protocol!;
      const res = await new Promise<Buffer | undefined>((resolve) =>
        slot.reader.transmit(Buffer.concat([Buffer.from([0x00, 0xa4, 0x04, 0x00, aid.length]), aid]), 258, protocol, (err, data) =>
          resolve(err ? undefined : data),
        ),
      );
      if (res && res.length >= 2 && res[res.length - 2] === 0x90 && res[res.length - 1] === 0x00) return rule;
    }
    return undefined;
  }

  private fail(err: Error): void {
    this.errors++;
    this.lastError = err.message;
    this.opts.log?.(`pcsc: ${err.message}`);
    this.emit('error', err);
  }
}

/** Back-off (ms) before each retry of a transmit that failed transiently. */
const TRANSIENT_RETRIES = [50, 150, 400, 1000];

/** SCARD_E_NOT_TRANSACTED (0x80100016) and SCARD_W_RESET_CARD (0x80100068). */
export function isTransientPcscError(err: unknown): boolean {
  return /0x80100016|0x80100068/i.test(err instanceof Error ? err.message : String(err));
}
