/** Minimal 24-bit BMP writer/reader: the chip photo leaves the reader as a 102 × 126 BMP. */
export const CHIP_PHOTO_WIDTH = 102;
export const CHIP_PHOTO_HEIGHT = 126;

const rowStride = (width: number): number => (width * 3 + 3) & ~3;

/** `rgb` is top-down, 3 bytes per pixel, no padding. */
export function encodeBmp24(width: number, height: number, rgb: Buffer): Buffer {
  if (rgb.length !== width * height * 3) throw new RangeError(`expected ${width * height * 3} bytes of RGB, got ${rgb.length}`);
  const stride = rowStride(width);
  const out = Buffer.alloc(54 + stride * height);
  out.write('BM', 0, 'ascii');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22); // positive: rows stored bottom-up
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  out.writeUInt32LE(stride * height, 34);
  out.writeInt32LE(2835, 38);
  out.writeInt32LE(2835, 42);
  for (let y = 0; y < height; y++) {
    const dst = 54 + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3;
      out[dst + x * 3] = rgb[s + 2]!;
      out[dst + x * 3 + 1] = rgb[s + 1]!;
      out[dst + x * 3 + 2] = rgb[s]!;
    }
  }
  return out;
}

export function decodeBmp24(bmp: Buffer): { width: number; height: number; rgb: Buffer } {
  if (bmp.length < 54 || bmp.toString('ascii', 0, 2) !== 'BM') throw new Error('not a BMP');
  if (bmp.readUInt16LE(28) !== 24 || bmp.readUInt32LE(30) !== 0) throw new Error('only uncompressed 24-bit BMP is supported');
  const width = bmp.readInt32LE(18);
  const rawHeight = bmp.readInt32LE(22);
  const height = Math.abs(rawHeight);
  const offset = bmp.readUInt32LE(10);
  const stride = rowStride(width);
  if (offset + stride * height > bmp.length) throw new Error('BMP truncated');
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const src = offset + (rawHeight > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const d = (y * width + x) * 3;
      rgb[d] = bmp[src + x * 3 + 2]!;
      rgb[d + 1] = bmp[src + x * 3 + 1]!;
      rgb[d + 2] = bmp[src + x * 3]!;
    }
  }
  return { width, height, rgb };
}

/** A synthetic portrait (background, head, eyes) for simulators and tests; deterministic per seed. */
export function syntheticPortraitBmp(seed = 1): Buffer {
  const w = CHIP_PHOTO_WIDTH;
  const h = CHIP_PHOTO_HEIGHT;
  const rgb = Buffer.alloc(w * h * 3);
  const bg = [230, 235, 240 - (seed % 5) * 8];
  const skin = [224 - (seed % 7) * 6, 180, 150];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inHead = ((x - 51) / 30) ** 2 + ((y - 58) / 40) ** 2 <= 1;
      const inBody = y > 100 && Math.abs(x - 51) < 45;
      const inEye = (((x - 40) / 5) ** 2 + ((y - 52) / 3) ** 2 <= 1) || (((x - 62) / 5) ** 2 + ((y - 52) / 3) ** 2 <= 1);
      const inMouth = Math.abs(x - 51) < 9 && Math.abs(y - 78) < 2;
      const c = inEye || inMouth ? [40, 30, 30] : inHead ? skin : inBody ? [30, 40, 90] : bg;
      rgb.set(c, (y * w + x) * 3);
    }
  }
  return encodeBmp24(w, h, rgb);
}
