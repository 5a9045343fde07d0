import sharp from 'sharp';
import { checkImage, decodeImage, readImageHeader } from '../../src/face/decode';
import { FaceInputError } from '../../src/face/image-types';
import { pngHeaderClaiming } from './fixtures';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'decoded';
  } catch (err) {
    expect(err).toBeInstanceOf(FaceInputError);
    return (err as FaceInputError).code;
  }
}

describe('image intake', () => {
  let jpeg: Buffer;
  beforeAll(async () => {
    jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 100, b: 50 } } }).jpeg().toBuffer();
  });

  it('reads format and size from headers', async () => {
    expect(readImageHeader(jpeg)).toEqual({ format: 'jpeg', width: 64, height: 48 });
    const png = await sharp({ create: { width: 5, height: 9, channels: 4, background: '#00000000' } }).png().toBuffer();
    expect(readImageHeader(png)).toEqual({ format: 'png', width: 5, height: 9 });
    const webp = await sharp({ create: { width: 33, height: 17, channels: 3, background: '#808080' } }).webp().toBuffer();
    expect(readImageHeader(webp)).toMatchObject({ format: 'webp', width: 33, height: 17 });
  });

  it('decodes to packed RGB, flattening transparency onto white', async () => {
    const img = await decodeImage(jpeg);
    expect([img.width, img.height, img.data.length]).toEqual([64, 48, 64 * 48 * 3]);
    expect(Math.abs(img.data[0] - 200)).toBeLessThan(6);
    const png = await sharp({ create: { width: 4, height: 4, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const flat = await decodeImage(png);
    expect(Array.from(flat.data.slice(0, 3))).toEqual([255, 255, 255]);
  });

  it('decodes 16-bit PNGs to 8-bit RGB', async () => {
    const p16 = await sharp({ create: { width: 8, height: 6, channels: 3, background: { r: 200, g: 100, b: 50 } } }).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(p16).metadata()).depth).toBe('ushort');
    const img = await decodeImage(p16);
    expect(img.data.length).toBe(8 * 6 * 3);
    expect(Array.from(img.data.slice(0, 3))).toEqual([200, 100, 50]);
  });

  it('rejects a text file as not an image', async () => {
    expect(await code(decodeImage(Buffer.from('name,id\nZhang San,110101199003071234\n')))).toBe('not_an_image');
    expect(await code(decodeImage(Buffer.alloc(0)))).toBe('not_an_image');
  });

  it('rejects a truncated JPEG as unreadable', async () => {
    const big = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#336699' } })
      .composite([{ input: Buffer.from('<svg width="400" height="300"><circle cx="200" cy="150" r="90" fill="#fc0"/></svg>') }])
      .jpeg()
      .toBuffer();
    expect(await code(decodeImage(big.subarray(0, Math.floor(big.length * 0.6))))).toBe('unreadable_image');
    expect(await code(decodeImage(big.subarray(0, 12)))).toBe('unreadable_image');
  });

  it('rejects a decompression bomb from its header alone (PNG claiming 100000×100000)', async () => {
    const bomb = pngHeaderClaiming(100_000, 100_000);
    expect(() => checkImage(bomb)).toThrow(/100000×100000/);
    expect(await code(decodeImage(bomb))).toBe('image_too_large');
    expect(await code(decodeImage(pngHeaderClaiming(20_000, 50)))).toBe('image_too_large');
  });

  it('rejects files over the byte limit before parsing', async () => {
    expect(await code(decodeImage(jpeg, { maxBytes: 100, maxPixels: 1e7, maxSide: 1e4, workingSide: 1280 }))).toBe('image_too_large');
  });
});
