import { createHmac } from 'node:crypto';

const DOMAIN = Buffer.from('evalroom-draw-v1', 'utf8');

/**
 * A deterministic random stream derived from a secret seed: HMAC-SHA256(seed, domain ‖ counter)
 * in counter mode. Anyone holding the revealed seed regenerates the same numbers.
 */
export class SeedStream {
  private counter = 0n;
  private block: Buffer = Buffer.alloc(0);
  private offset = 0;

  constructor(private readonly seed: Buffer) {
    if (seed.length < 16) throw new RangeError('seed must be at least 128 bits');
  }

  private nextUint32(): number {
    if (this.offset + 4 > this.block.length) {
      const ctr = Buffer.alloc(8);
      ctr.writeBigUInt64BE(this.counter);
      this.counter += 1n;
      this.block = createHmac('sha256', this.seed).update(DOMAIN).update(ctr).digest();
      this.offset = 0;
    }
    const v = this.block.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  /** Uniform integer in [0, n) by rejection sampling (no modulo bias). */
  uniform(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x1_0000_0000) throw new RangeError(`bad bound ${n}`);
    const limit = Math.floor(0x1_0000_0000 / n) * n;
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Fisher–Yates shuffle into a new array. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i -= 1) {
      const j = this.uniform(i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}
