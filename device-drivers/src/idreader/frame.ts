/**
 * GA/T 467 (居民身份证验证安全控制模块接口技术规范) §7 business-terminal interface, UART framing:
 *
 *   request : Preamble(AA AA AA 96 69) Len1 Len2 CMD Para Data… CHK_SUM
 *   response: Preamble(AA AA AA 96 69) Len1 Len2 SW1 SW2 SW3 Data… CHK_SUM
 *
 * Len is big-endian and counts every byte after itself (CMD…CHK_SUM / SW1…CHK_SUM). CHK_SUM is
 * the XOR of every byte except the preamble and the checksum itself, so it covers Len1 and Len2.
 */
export const PREAMBLE = Buffer.from([0xaa, 0xaa, 0xaa, 0x96, 0x69]);
/** Largest frame a SAM sends: read-with-fingerprint = SW(3) + lengths(6) + 256 + 1024 + 1024 + CHK. */
export const MAX_FRAME_LENGTH = 4096;

export interface RequestFrame {
  cmd: number;
  para: number;
  data: Buffer;
}

export interface ResponseFrame {
  sw1: number;
  sw2: number;
  sw3: number;
  data: Buffer;
}

export function xorChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let x = 0;
  for (let i = start; i < end; i++) x ^= bytes[i]!;
  return x;
}

function frame(body: Buffer): Buffer {
  const len = body.length + 1;
  if (len > 0xffff) throw new RangeError(`frame body too long: ${body.length}`);
  const out = Buffer.alloc(PREAMBLE.length + 2 + len);
  PREAMBLE.copy(out, 0);
  out.writeUInt16BE(len, 5);
  body.copy(out, 7);
  out[out.length - 1] = xorChecksum(out, 5, out.length - 1);
  return out;
}

export function encodeRequest(req: RequestFrame): Buffer {
  return frame(Buffer.concat([Buffer.from([req.cmd & 0xff, req.para & 0xff]), req.data]));
}

export function encodeResponse(res: ResponseFrame): Buffer {
  return frame(Buffer.concat([Buffer.from([res.sw1 & 0xff, res.sw2 & 0xff, res.sw3 & 0xff]), res.data]));
}

export type FrameDefect =
  | { kind: 'garbage'; bytes: number }
  | { kind: 'checksum'; expected: number; actual: number }
  | { kind: 'length'; length: number };

/**
 * Streaming de-framer. Bytes arrive in arbitrary chunks; anything before a preamble is counted
 * as garbage and dropped, a frame with a bad checksum or an impossible length is reported and
 * the search restarts one byte after its preamble (so a preamble inside the bad frame is found).
 * A frame that never completes stays buffered until `reset()` (the client calls it on timeout).
 */
export class FrameDecoder<F> {
  private buf: Buffer = Buffer.alloc(0);

  constructor(
    private readonly minLength: number,
    private readonly parse: (body: Buffer) => F,
    private readonly onFrame: (frame: F) => void,
    private readonly onDefect: (defect: FrameDefect) => void = () => {},
  ) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
    for (;;) {
      const at = this.buf.indexOf(PREAMBLE);
      if (at < 0) {
        // Keep a tail that could be the start of a preamble split across chunks.
        const keep = Math.min(this.buf.length, PREAMBLE.length - 1);
        let tail = keep;
        while (tail > 0 && !PREAMBLE.subarray(0, tail).equals(this.buf.subarray(this.buf.length - tail))) tail--;
        const dropped = this.buf.length - tail;
        if (dropped > 0) this.onDefect({ kind: 'garbage', bytes: dropped });
        this.buf = this.buf.subarray(this.buf.length - tail);
        return;
      }
      if (at > 0) {
        this.onDefect({ kind: 'garbage', bytes: at });
        this.buf = this.buf.subarray(at);
      }
      if (this.buf.length < PREAMBLE.length + 2) return;
      const len = this.buf.readUInt16BE(5);
      if (len < this.minLength || len > MAX_FRAME_LENGTH) {
        this.onDefect({ kind: 'length', length: len });
        this.buf = this.buf.subarray(1);
        continue;
      }
      const total = PREAMBLE.length + 2 + len;
      if (this.buf.length < total) return;
      const whole = this.buf.subarray(0, total);
      const expected = xorChecksum(whole, 5, total - 1);
      const actual = whole[total - 1]!;
      if (expected !== actual) {
        this.onDefect({ kind: 'checksum', expected, actual });
        this.buf = this.buf.subarray(1);
        continue;
      }
      this.buf = this.buf.subarray(total);
      this.onFrame(this.parse(Buffer.from(whole.subarray(7, total - 1))));
    }
  }

  /** Bytes held for an incomplete frame. */
  pending(): number {
    return this.buf.length;
  }

  reset(): void {
    this.buf = Buffer.alloc(0);
  }
}

export function responseDecoder(onFrame: (f: ResponseFrame) => void, onDefect?: (d: FrameDefect) => void): FrameDecoder<ResponseFrame> {
  return new FrameDecoder(4, (b) => ({ sw1: b[0]!, sw2: b[1]!, sw3: b[2]!, data: b.subarray(3) }), onFrame, onDefect);
}

export function requestDecoder(onFrame: (f: RequestFrame) => void, onDefect?: (d: FrameDefect) => void): FrameDecoder<RequestFrame> {
  return new FrameDecoder(3, (b) => ({ cmd: b[0]!, para: b[1]!, data: b.subarray(2) }), onFrame, onDefect);
}
