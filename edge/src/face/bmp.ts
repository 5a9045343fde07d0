/**
 * A small BMP decoder (sharp/libvips cannot read BMP, and ID-card readers usually hand the chip
 * photo over as one). Supports uncompressed 24- and 32-bit, 1/4/8-bit palettes, bottom-up and
 * top-down rows. Output is packed RGB.
 */
import { FaceInputError, type RgbImage } from './image-types';

export interface BmpHeader {
  width: number;
  height: number;
  bitsPerPixel: number;
  topDown: boolean;
  dataOffset: number;
  compression: number;
  paletteOffset: number;
  paletteSize: number;
}

export function isBmp(buf: Uint8Array): boolean {
  return buf.length >= 26 && buf[0] === 0x42 && buf[1] === 0x4d;
}

export function readBmpHeader(buf: Buffer): BmpHeader {
  if (!isBmp(buf) || buf.length < 30) throw new FaceInputError('unreadable_image', 'BMP header is truncated');
  const dataOffset = buf.readUInt32LE(10);
  const dibSize = buf.readUInt32LE(14);
  let width: number, rawHeight: number, bitsPerPixel: number, compression = 0, colorsUsed = 0;
  if (dibSize === 12) {
    width = buf.readUInt16LE(18);
    rawHeight = buf.readInt16LE(20);
    bitsPerPixel = buf.readUInt16LE(24);
  } else if (dibSize >= 40 && buf.length >= 14 + 40) {
    width = buf.readInt32LE(18);
    rawHeight = buf.readInt32LE(22);
    bitsPerPixel = buf.readUInt16LE(28);
    compression = buf.readUInt32LE(30);
    colorsUsed = buf.readUInt32LE(46);
  } else {
    throw new FaceInputError('unreadable_image', `unsupported BMP header (size ${dibSize})`);
  }
  if (width <= 0 || rawHeight === 0) throw new FaceInputError('unreadable_image', 'BMP has no pixels');
  const paletteEntrySize = dibSize === 12 ? 3 : 4;
  const paletteSize = bitsPerPixel <= 8 ? colorsUsed || 1 << bitsPerPixel : 0;
  return {
    width,
    height: Math.abs(rawHeight),
    bitsPerPixel,
    topDown: rawHeight < 0,
    dataOffset,
    compression,
    paletteOffset: 14 + dibSize,
    paletteSize: paletteSize * (paletteEntrySize === 3 ? -1 : 1),
  };
}

export function decodeBmp(buf: Buffer): RgbImage {
  const h = readBmpHeader(buf);
  const { width, height, bitsPerPixel: bpp } = h;
  // BI_RGB (0) always; BI_BITFIELDS (3) accepted for 32-bit with the usual BGRA masks.
  if (!(h.compression === 0 || (h.compression === 3 && bpp === 32))) {
    throw new FaceInputError('unreadable_image', `compressed BMP (method ${h.compression}) is not supported`);
  }
  if (![1, 4, 8, 24, 32].includes(bpp)) throw new FaceInputError('unreadable_image', `BMP with ${bpp} bits per pixel is not supported`);
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  if (h.dataOffset + stride * height > buf.length) throw new FaceInputError('unreadable_image', 'BMP pixel data is truncated');

  let palette: Uint8Array | undefined;
  if (bpp <= 8) {
    const entry = h.paletteSize < 0 ? 3 : 4;
    const count = Math.abs(h.paletteSize);
    if (h.paletteOffset + count * entry > buf.length) throw new FaceInputError('unreadable_image', 'BMP palette is truncated');
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < Math.min(count, 256); i++) {
      const o = h.paletteOffset + i * entry;
      palette[i * 3] = buf[o + 2];
      palette[i * 3 + 1] = buf[o + 1];
      palette[i * 3 + 2] = buf[o];
    }
  }

  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const srcRow = h.dataOffset + (h.topDown ? y : height - 1 - y) * stride;
    let o = y * width * 3;
    if (bpp === 24 || bpp === 32) {
      const step = bpp / 8;
      for (let x = 0; x < width; x++) {
        const s = srcRow + x * step;
        out[o++] = buf[s + 2];
        out[o++] = buf[s + 1];
        out[o++] = buf[s];
      }
    } else {
      const perByte = 8 / bpp;
      const mask = (1 << bpp) - 1;
      for (let x = 0; x < width; x++) {
        const byte = buf[srcRow + Math.floor(x / perByte)];
        const shift = 8 - bpp * ((x % perByte) + 1);
        const idx = (byte >> shift) & mask;
        out[o++] = palette![idx * 3];
        out[o++] = palette![idx * 3 + 1];
        out[o++] = palette![idx * 3 + 2];
      }
    }
  }
  return { width, height, data: out };
}

/** Encodes packed RGB as a 24-bit bottom-up BMP (for tests and tools that mimic an ID reader). */
export function encodeBmp24(img: RgbImage, opts: { topDown?: boolean } = {}): Buffer {
  const stride = Math.floor((24 * img.width + 31) / 32) * 4;
  const size = 54 + stride * img.height;
  const buf = Buffer.alloc(size);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(size, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(img.width, 18);
  buf.writeInt32LE(opts.topDown ? -img.height : img.height, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  buf.writeUInt32LE(stride * img.height, 34);
  for (let y = 0; y < img.height; y++) {
    const row = 54 + (opts.topDown ? y : img.height - 1 - y) * stride;
    for (let x = 0; x < img.width; x++) {
      const s = (y * img.width + x) * 3;
      buf[row + x * 3] = img.data[s + 2];
      buf[row + x * 3 + 1] = img.data[s + 1];
      buf[row + x * 3 + 2] = img.data[s];
    }
  }
  return buf;
}
