import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { decodeBmp24, encodeBmp24 } from './bmp';

/** The card stores the photo as 1024 bytes of WLT, a proprietary wavelet format. */
export const WLT_LENGTH = 1024;

export interface DecodedPhoto {
  format: 'bmp' | 'jpeg' | 'png';
  data: Buffer;
}

/**
 * Slot for the WLT → image step. Real WLT decoding needs the vendor's licensed library (usually
 * a .so exposing `unpack`) or a decoding service; the appliance plugs one in here.
 */
export interface WltDecoder {
  readonly name: string;
  decode(wlt: Buffer): Promise<DecodedPhoto>;
}

const MAGIC = Buffer.from('EVTW', 'ascii');

/**
 * Stand-in codec used by the simulators and tests: "EVTW", width, height, payload length, then
 * raw-deflated RGB, zero-padded to 1024 bytes. It is lossless, so a BMP carried by a simulated
 * card comes back byte-identical out of the real driver.
 */
export class TestWltCodec implements WltDecoder {
  readonly name = 'test-wlt';

  encode(bmp: Buffer): Buffer {
    const { width, height, rgb } = decodeBmp24(bmp);
    const packed = deflateRawSync(rgb, { level: 9 });
    const out = Buffer.alloc(WLT_LENGTH);
    if (10 + packed.length > WLT_LENGTH) throw new RangeError(`photo too detailed for the test WLT codec: ${packed.length} bytes`);
    MAGIC.copy(out, 0);
    out.writeUInt16BE(width, 4);
    out.writeUInt16BE(height, 6);
    out.writeUInt16BE(packed.length, 8);
    packed.copy(out, 10);
    return out;
  }

  async decode(wlt: Buffer): Promise<DecodedPhoto> {
    if (wlt.length < 10 || !wlt.subarray(0, 4).equals(MAGIC)) throw new Error('not a test-WLT photo');
    const width = wlt.readUInt16BE(4);
    const height = wlt.readUInt16BE(6);
    const len = wlt.readUInt16BE(8);
    if (10 + len > wlt.length) throw new Error('test-WLT photo truncated');
    const rgb = inflateRawSync(wlt.subarray(10, 10 + len));
    return { format: 'bmp', data: encodeBmp24(width, height, rgb) };
  }
}

/**
 * Decoder backed by an HTTP service (vendor decoder on the box or in the LAN): POSTs the 1024
 * WLT bytes as application/octet-stream and expects image/bmp, image/jpeg or image/png back.
 */
export class HttpWltDecoder implements WltDecoder {
  readonly name = 'http';
  constructor(
    private readonly url: string,
    private readonly timeoutMs = 3000,
    private readonly authorization?: string,
  ) {}

  async decode(wlt: Buffer): Promise<DecodedPhoto> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', ...(this.authorization ? { authorization: this.authorization } : {}) },
      body: new Uint8Array(wlt),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`WLT decoder answered HTTP ${res.status}`);
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const format = ({ 'image/bmp': 'bmp', 'image/jpeg': 'jpeg', 'image/png': 'png' } as const)[type as 'image/bmp'];
    if (!format) throw new Error(`WLT decoder answered unsupported content-type ${JSON.stringify(type)}`);
    return { format, data: Buffer.from(await res.arrayBuffer()) };
  }
}
