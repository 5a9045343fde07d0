/**
 * Image intake: recognise the format from magic bytes, read the pixel dimensions from the header
 * and refuse enormous inputs and decompression bombs before anything is decoded; then decode to
 * packed RGB (sharp for JPEG/PNG/WebP, our own decoder for BMP). EXIF orientation is applied and
 * transparency is flattened onto white.
 */
import sharp from 'sharp';
import { decodeBmp, isBmp, readBmpHeader } from './bmp';
import { FaceInputError, type RgbImage } from './image-types';

export interface DecodeLimits {
  /** Largest accepted file, bytes. */
  maxBytes: number;
  /** Largest accepted width × height from the header. */
  maxPixels: number;
  /** Largest accepted side, pixels. */
  maxSide: number;
  /**
   * Photos with a side over twice this are shrunk while decoding (JPEG shrink-on-load) to fit
   * it: a face at the door needs far fewer pixels. Below 2× shrinking costs more than it saves.
   */
  workingSide: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxBytes: 20 * 1024 * 1024, maxPixels: 40_000_000, maxSide: 12_000, workingSide: 1280 };

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'bmp';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/** Reads format and dimensions from the first bytes only. Throws FaceInputError. */
export function readImageHeader(buf: Buffer): ImageHeader {
  if (buf.length < 12) throw new FaceInputError('not_an_image', `not an image (${buf.length} bytes)`);
  if (buf[0] === 0x89 && buf.toString('latin1', 1, 4) === 'PNG') {
    if (buf.length < 24 || buf.toString('latin1', 12, 16) !== 'IHDR') throw new FaceInputError('unreadable_image', 'PNG header is truncated');
    return { format: 'png', width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
  }
  if (buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return { format: 'jpeg', ...jpegSize(buf) };
  if (buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WEBP') return { format: 'webp', ...webpSize(buf) };
  if (isBmp(buf)) {
    const h = readBmpHeader(buf);
    return { format: 'bmp', width: h.width, height: h.height };
  }
  throw new FaceInputError('not_an_image', 'not an image: expected JPEG, PNG, WebP or BMP');
}

function jpegSize(buf: Buffer): { width: number; height: number } {
  let o = 2;
  while (o + 4 <= buf.length) {
    if (buf[o] !== 0xff) throw new FaceInputError('unreadable_image', 'JPEG marker structure is corrupt');
    const marker = buf[o + 1];
    if (marker === 0xff) { o++; continue; }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { o += 2; continue; }
    const len = buf.readUInt16BE(o + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (o + 9 > buf.length) break;
      return { height: buf.readUInt16BE(o + 5), width: buf.readUInt16BE(o + 7) };
    }
    if (marker === 0xda || marker === 0xd9) break;
    o += 2 + len;
  }
  throw new FaceInputError('unreadable_image', 'JPEG is truncated before its frame header');
}

function webpSize(buf: Buffer): { width: number; height: number } {
  if (buf.length < 30) throw new FaceInputError('unreadable_image', 'WebP header is truncated');
  const chunk = buf.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return { width: 1 + buf.readUIntLE(24, 3), height: 1 + buf.readUIntLE(27, 3) };
  if (chunk === 'VP8L') {
    const b = buf.readUInt32LE(21);
    return { width: (b & 0x3fff) + 1, height: ((b >> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8 ') return { width: buf.readUInt16LE(26) & 0x3fff, height: buf.readUInt16LE(28) & 0x3fff };
  throw new FaceInputError('unreadable_image', 'unknown WebP chunk');
}

/** Rejects by byte size and header dimensions; returns the header when acceptable. */
export function checkImage(buf: Buffer, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): ImageHeader {
  if (buf.length > limits.maxBytes) {
    throw new FaceInputError('image_too_large', `image is ${buf.length} bytes; the limit is ${limits.maxBytes}`);
  }
  const h = readImageHeader(buf);
  if (h.width <= 0 || h.height <= 0) throw new FaceInputError('unreadable_image', 'image header declares no pixels');
  if (h.width > limits.maxSide || h.height > limits.maxSide || h.width * h.height > limits.maxPixels) {
    throw new FaceInputError(
      'image_too_large',
      `image declares ${h.width}×${h.height} pixels; the limit is ${limits.maxSide} per side and ${limits.maxPixels} in total`,
    );
  }
  return h;
}

/** Checks, then decodes to packed RGB. Throws FaceInputError for every unusable input. */
export async function decodeImage(buf: Buffer, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Promise<RgbImage> {
  const header = checkImage(buf, limits);
  if (header.format === 'bmp') return decodeBmp(buf);
  try {
    let pipeline = sharp(buf, { limitInputPixels: limits.maxPixels, failOn: 'truncated' }).rotate();
    if (Math.max(header.width, header.height) > 2 * limits.workingSide) {
      pipeline = pipeline.resize({ width: limits.workingSide, height: limits.workingSide, fit: 'inside' });
    }
    const { data, info } = await pipeline
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoder produced ${info.channels} channels`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw new FaceInputError('unreadable_image', `cannot decode ${header.format.toUpperCase()}: ${(err as Error).message}`);
  }
}

