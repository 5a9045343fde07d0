import { decodeBmp, encodeBmp24 } from '../../src/face/bmp';
import { decodeImage } from '../../src/face/decode';
import { FaceInputError, type RgbImage } from '../../src/face/image-types';

function pattern(w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const o = (y * w + x) * 3;
    data[o] = x * 20;
    data[o + 1] = y * 30;
    data[o + 2] = (x + y) * 7;
  }
  return { width: w, height: h, data };
}

/** Builds a BMP by hand (independent of encodeBmp24) with the given depth and palette. */
function handBmp(w: number, h: number, bpp: 32 | 8 | 4, topDown: boolean, pixel: (x: number, y: number) => number[], palette: number[][] = []): Buffer {
  const stride = Math.floor((bpp * w + 31) / 32) * 4;
  const palBytes = palette.length * 4;
  const off = 54 + palBytes;
  const buf = Buffer.alloc(off + stride * h);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(off, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(w, 18);
  buf.writeInt32LE(topDown ? -h : h, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(bpp, 28);
  buf.writeUInt32LE(palette.length, 46);
  palette.forEach(([r, g, b], i) => { buf[54 + i * 4] = b; buf[55 + i * 4] = g; buf[56 + i * 4] = r; });
  for (let y = 0; y < h; y++) {
    const row = off + (topDown ? y : h - 1 - y) * stride;
    for (let x = 0; x < w; x++) {
      const v = pixel(x, y);
      if (bpp === 32) { buf[row + x * 4] = v[2]; buf[row + x * 4 + 1] = v[1]; buf[row + x * 4 + 2] = v[0]; buf[row + x * 4 + 3] = 255; }
      else if (bpp === 8) buf[row + x] = v[0];
      else buf[row + (x >> 1)] |= x % 2 === 0 ? v[0] << 4 : v[0];
    }
  }
  return buf;
}

describe('BMP decoder', () => {
  it('round-trips 24-bit bottom-up and top-down with row padding (odd width)', () => {
    const img = pattern(7, 5);
    for (const topDown of [false, true]) {
      const out = decodeBmp(encodeBmp24(img, { topDown }));
      expect(out.width).toBe(7);
      expect(out.height).toBe(5);
      expect(Buffer.from(out.data).equals(Buffer.from(img.data))).toBe(true);
    }
  });

  it('decodes 32-bit BGRA', () => {
    const buf = handBmp(3, 2, 32, false, (x, y) => [x * 50, y * 100, 7]);
    const out = decodeBmp(buf);
    expect(Array.from(out.data.slice(0, 6))).toEqual([0, 0, 7, 50, 0, 7]);
    expect(Array.from(out.data.slice(9, 12))).toEqual([0, 100, 7]);
  });

  it('decodes 8-bit and 4-bit palettes, top-down', () => {
    const palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [9, 9, 9]];
    for (const bpp of [8, 4] as const) {
      const out = decodeBmp(handBmp(5, 2, bpp, true, (x, y) => [(x + y) % 4], palette));
      expect(Array.from(out.data.slice(0, 3))).toEqual([255, 0, 0]);
      expect(Array.from(out.data.slice(3, 6))).toEqual([0, 255, 0]);
      expect(Array.from(out.data.slice(15, 18))).toEqual([0, 255, 0]); // (0,1) → index 1
    }
  });

  it('rejects truncated pixel data and compressed BMPs', () => {
    const buf = encodeBmp24(pattern(10, 10));
    expect(() => decodeBmp(buf.subarray(0, buf.length - 20))).toThrow(FaceInputError);
    const rle = Buffer.from(buf);
    rle.writeUInt32LE(1, 30);
    expect(() => decodeBmp(rle)).toThrow(/compressed/);
  });

  it('is used by decodeImage for a 102×126 chip photo', async () => {
    const chip = pattern(102, 126);
    const out = await decodeImage(encodeBmp24(chip));
    expect(out.width).toBe(102);
    expect(out.height).toBe(126);
    expect(out.data[3 * 101]).toBe(chip.data[3 * 101]);
  });
});
