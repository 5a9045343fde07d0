import { IdCard, maskIdNumber, validate } from '@evalroom/contracts';
import type { DeviceHealth, IdReaderEvents, IdReaderPort } from '../ports';
import type { ByteTransport } from './transport';
import { TypedEmitter } from '../typed-emitter';
import { decodeNewAddress, decodeText } from './ga490';
import { SamClient } from './sam-client';
import { formatSamId } from './sam-id';
import { decodeReadPayload, describeStatus, SamStatusError, type CommandName } from './protocol';
import type { WltDecoder } from './wlt';

export interface GaT467ReaderOptions {
  /** Opens the byte link (serial port, pty, memory); called by start(). */
  openTransport: () => Promise<ByteTransport>;
  wltDecoder: WltDecoder;
  pollIntervalMs?: number;
  responseTimeoutMs?: number;
  /** Consecutive failed finds before a present card counts as removed (debounces RF dropouts). */
  removeAfterMisses?: number;
  withFingerprint?: boolean;
  /** Also read the appended address (0x30 03); when present it replaces the printed address. */
  readNewAddress?: boolean;
  log?: (line: string) => void;
  now?: () => Date;
}

/**
 * IdReaderPort over a GA/T 467 SAM: polls find → select → read, decodes the GA 490 text and the
 * chip photo, validates the result against contracts' IdCard and emits `card`; emits `removed`
 * once the card stops answering. Fingerprint data is read when asked but never leaves the driver.
 */
export class GaT467IdReader extends TypedEmitter<IdReaderEvents> implements IdReaderPort {
  readonly kind = 'idreader' as const;
  readonly driver = 'real' as const;
  private transport?: ByteTransport;
  private client?: SamClient;
  private timer?: NodeJS.Timeout;
  private loop?: Promise<void>;
  private running = false;
  private cardPresent = false;
  private misses = 0;
  private errors = 0;
  private lastError?: string;
  private samId?: string;
  private samOk = false;
  private readonly opts: Required<Omit<GaT467ReaderOptions, 'log'>> & Pick<GaT467ReaderOptions, 'log'>;

  constructor(options: GaT467ReaderOptions) {
    super((err, event) => options.log?.(`idreader listener for ${event} threw: ${String(err)}`));
    this.opts = {
      pollIntervalMs: 300,
      responseTimeoutMs: 1000,
      removeAfterMisses: 2,
      withFingerprint: false,
      readNewAddress: false,
      now: () => new Date(),
      ...options,
    };
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.transport = await this.opts.openTransport();
    this.client = new SamClient(this.transport, this.opts.responseTimeoutMs, this.opts.now);
    this.transport.onClose((err) => {
      if (this.running) this.fail(new Error(`reader link closed${err ? `: ${err.message}` : ''}`));
    });
    this.running = true;
    try {
      await this.samStatus();
    } catch (err) {
      this.fail(err as Error);
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.loop;
    this.client?.dispose();
    await this.transport?.close();
    this.transport = undefined;
    this.client = undefined;
  }

  health(): DeviceHealth {
    const s = this.client?.stats;
    return {
      present: Boolean(this.transport?.isOpen()) && this.samOk,
      lastSeen: s?.lastFrameAt,
      errors: this.errors,
      detail: {
        samId: this.samId ?? null,
        cardPresent: this.cardPresent,
        timeouts: s?.timeouts ?? 0,
        checksumErrors: s?.checksumErrors ?? 0,
        garbageBytes: s?.garbageBytes ?? 0,
        lastError: this.lastError ?? null,
      },
    };
  }

  async reset(): Promise<void> {
    await this.expect('reset', 0x90);
    this.cardPresent = false;
    this.misses = 0;
  }

  async samStatus(): Promise<{ samId: string; ok: boolean }> {
    const status = await this.command('samStatus');
    this.samOk = status.sw3 === 0x90;
    if (this.samOk) this.samId = formatSamId((await this.expect('samId', 0x90)).data);
    else this.fail(new SamStatusError('samStatus', status.sw3));
    return { samId: this.samId ?? '', ok: this.samOk };
  }

  private schedule(delay: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.loop = this.poll().finally(() => this.schedule(this.opts.pollIntervalMs));
    }, delay);
  }

  private async poll(): Promise<void> {
    try {
      const find = await this.command('findCard');
      if (find.sw3 !== 0x9f) {
        if (describeStatus(find.sw3).category !== 'no_card') throw new SamStatusError('findCard', find.sw3);
        if (this.cardPresent && ++this.misses >= this.opts.removeAfterMisses) {
          this.cardPresent = false;
          this.misses = 0;
          this.emit('removed');
        }
        return;
      }
      this.misses = 0;
      if (this.cardPresent) return;
      const select = await this.command('selectCard');
      if (select.sw3 !== 0x90) {
        if (describeStatus(select.sw3).category === 'no_card') return;
        throw new SamStatusError('selectCard', select.sw3);
      }
      const card = await this.readCard();
      this.cardPresent = true;
      if (card) this.emit('card', card);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private async readCard(): Promise<IdCard | undefined> {
    const withFp = this.opts.withFingerprint;
    const res = await this.expect(withFp ? 'readWithFingerprint' : 'readBase', 0x90);
    const payload = decodeReadPayload(res.data, withFp);
    const text = decodeText(payload.text);
    let address = text.address;
    if (this.opts.readNewAddress) {
      const extra = await this.command('readNewAddress');
      if (extra.sw3 === 0x90 && extra.data.length > 0) address = decodeNewAddress(extra.data) || address;
      else if (extra.sw3 !== 0x91) throw new SamStatusError('readNewAddress', extra.sw3);
    }
    const photo = await this.opts.wltDecoder.decode(payload.photo);
    const candidate = { ...text, address, photo: { format: photo.format, data: photo.data.toString('base64') } };
    for (const k of Object.keys(candidate) as Array<keyof typeof candidate>) if (candidate[k] === undefined) delete candidate[k];
    const parsed = validate(IdCard, candidate);
    if (!parsed.ok) {
      // The card read fine but does not hold a valid identity: report, never act on it.
      this.fail(new Error(`card ${maskIdNumber(text.idNumber)} rejected: ${parsed.reason}`));
      return undefined;
    }
    return parsed.value;
  }

  private async command(name: CommandName) {
    if (!this.client) throw new Error('reader not started');
    return this.client.send(name);
  }

  private async expect(name: CommandName, sw3: number) {
    const res = await this.command(name);
    if (res.sw3 !== sw3) throw new SamStatusError(name, res.sw3);
    return res;
  }

  private fail(err: Error): void {
    this.errors++;
    this.lastError = err.message;
    this.opts.log?.(`idreader: ${err.message}`);
    this.emit('error', err);
  }
}
