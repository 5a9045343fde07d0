/**
 * Locker control-board protocol (evalroom locker v1), the STX/ETX framing that common RS-485
 * lock boards use, fixed here so the simulator and driver share one definition:
 *
 *   host → board : STX(02) ADDR CMD SLOT ETX(03) SUM
 *   board → host : STX(02) ADDR CMD SLOT STATUS ETX(03) SUM
 *
 * SUM is the low byte of the sum of every byte from STX to ETX. Commands: 0x31 unlock,
 * 0x30 query one slot; 0x40 is an unsolicited door report (board → host). STATUS bits:
 * bit0 door open, bit1 occupied (infrared sensor), bit7 fault (lock jammed / no such slot).
 * A vendor board with another byte layout needs only another codec behind LockerCodec.
 */
export const STX = 0x02;
export const ETX = 0x03;
export const LockerCmd = { query: 0x30, unlock: 0x31, report: 0x40 } as const;
export const STATUS_DOOR_OPEN = 0x01;
export const STATUS_OCCUPIED = 0x02;
export const STATUS_FAULT = 0x80;

export interface LockerFrame {
  addr: number;
  cmd: number;
  slot: number;
  /** Absent in host → board frames. */
  status?: number;
}

const sum = (b: Uint8Array, end: number) => {
  let s = 0;
  for (let i = 0; i < end; i++) s += b[i]!;
  return s & 0xff;
};

export function encodeLockerFrame(f: LockerFrame): Buffer {
  const body = f.status === undefined ? [STX, f.addr, f.cmd, f.slot, ETX] : [STX, f.addr, f.cmd, f.slot, f.status, ETX];
  const out = Buffer.from([...body, 0]);
  out[out.length - 1] = sum(out, out.length - 1);
  return out;
}

/** Streaming decoder for one direction; frames of the wrong length or sum are dropped and counted. */
export class LockerDecoder {
  private buf = Buffer.alloc(0);
  dropped = 0;

  constructor(
    private readonly withStatus: boolean,
    private readonly onFrame: (f: LockerFrame) => void,
  ) {}

  push(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    const size = this.withStatus ? 7 : 6;
    for (;;) {
      const at = this.buf.indexOf(STX);
      if (at < 0) {
        this.dropped += this.buf.length;
        this.buf = Buffer.alloc(0);
        return;
      }
      if (at > 0) {
        this.dropped += at;
        this.buf = this.buf.subarray(at);
      }
      if (this.buf.length < size) return;
      const f = this.buf.subarray(0, size);
      if (f[size - 2] !== ETX || sum(f, size - 1) !== f[size - 1]) {
        this.dropped++;
        this.buf = this.buf.subarray(1);
        continue;
      }
      this.buf = this.buf.subarray(size);
      this.onFrame({ addr: f[1]!, cmd: f[2]!, slot: f[3]!, ...(this.withStatus ? { status: f[4]! } : {}) });
    }
  }
}
