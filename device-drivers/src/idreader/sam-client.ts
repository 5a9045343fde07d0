import type { ByteTransport } from './transport';
import { encodeRequest, responseDecoder, type FrameDefect, type ResponseFrame } from './frame';
import { Command, SamTimeoutError, type CommandName } from './protocol';

export interface SamLinkStats {
  frames: number;
  garbageBytes: number;
  checksumErrors: number;
  lengthErrors: number;
  timeouts: number;
  staleFrames: number;
  lastFrameAt?: Date;
}

/**
 * Half-duplex request/response with the SAM: one command in flight, a response timeout, and
 * the de-framer reset on timeout so half a frame never glues onto the next answer.
 */
export class SamClient {
  readonly stats: SamLinkStats = { frames: 0, garbageBytes: 0, checksumErrors: 0, lengthErrors: 0, timeouts: 0, staleFrames: 0 };
  private pending?: { resolve: (f: ResponseFrame) => void };
  private queue: Promise<unknown> = Promise.resolve();
  private readonly decoder = responseDecoder(
    (f) => this.onFrame(f),
    (d) => this.onDefect(d),
  );
  private readonly unsubscribe: () => void;

  constructor(
    private readonly transport: ByteTransport,
    private readonly timeoutMs = 1000,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.unsubscribe = transport.onData((chunk) => this.decoder.push(chunk));
  }

  /** Sends one command and resolves with the SAM's response frame, whatever its status word. */
  send(name: CommandName, data: Buffer = Buffer.alloc(0)): Promise<ResponseFrame> {
    const run = () => this.exchange(name, data);
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  dispose(): void {
    this.unsubscribe();
  }

  private async exchange(name: CommandName, data: Buffer): Promise<ResponseFrame> {
    const { cmd, para } = Command[name];
    return new Promise<ResponseFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        this.stats.timeouts++;
        this.decoder.reset();
        reject(new SamTimeoutError(name, this.timeoutMs));
      }, this.timeoutMs);
      this.pending = {
        resolve: (f) => {
          clearTimeout(timer);
          this.pending = undefined;
          resolve(f);
        },
      };
      this.transport.write(encodeRequest({ cmd, para, data })).catch((err: Error) => {
        clearTimeout(timer);
        this.pending = undefined;
        reject(err);
      });
    });
  }

  private onFrame(f: ResponseFrame): void {
    this.stats.frames++;
    this.stats.lastFrameAt = this.now();
    if (!this.pending) {
      this.stats.staleFrames++;
      return;
    }
    this.pending.resolve(f);
  }

  private onDefect(d: FrameDefect): void {
    if (d.kind === 'garbage') this.stats.garbageBytes += d.bytes;
    else if (d.kind === 'checksum') this.stats.checksumErrors++;
    else this.stats.lengthErrors++;
  }
}
