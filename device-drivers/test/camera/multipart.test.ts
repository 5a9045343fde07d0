import { MultipartJpegParser } from '../../src/camera';

const part = (body: Buffer, len = body.length) =>
  Buffer.concat([Buffer.from(`--b0undary\r\nContent-Type: image/jpeg\r\nContent-Length: ${len}\r\n\r\n`, 'latin1'), body, Buffer.from('\r\n')]);
const jpeg = (n: number) => Buffer.from([0xff, 0xd8, 0xff, 0xe0, n, n, n, 0xff, 0xd9]);

function collect() {
  const frames: Buffer[] = [];
  const garbage: string[] = [];
  const parser = new MultipartJpegParser('b0undary', (f) => frames.push(f), (g) => garbage.push(g), 1024);
  return { parser, frames, garbage };
}

describe('MultipartJpegParser', () => {
  it('emits every JPEG part, whole or fed one byte at a time', () => {
    const stream = Buffer.concat([part(jpeg(1)), part(jpeg(2)), part(jpeg(3))]);
    const whole = collect();
    whole.parser.push(stream);
    expect(whole.frames).toEqual([jpeg(1), jpeg(2), jpeg(3)]);
    const trickle = collect();
    for (const b of stream) trickle.parser.push(Buffer.from([b]));
    expect(trickle.frames).toEqual([jpeg(1), jpeg(2), jpeg(3)]);
    expect(trickle.garbage).toEqual([]);
  });

  it('holds an incomplete part until the rest arrives', () => {
    const { parser, frames } = collect();
    const p = part(jpeg(7));
    parser.push(p.subarray(0, p.length - 6));
    expect(frames).toEqual([]);
    parser.push(p.subarray(p.length - 6));
    expect(frames).toEqual([jpeg(7)]);
  });

  it('skips garbage, a missing or oversized length and a non-JPEG part, and resynchronises', () => {
    const { parser, frames, garbage } = collect();
    parser.push(
      Buffer.concat([
        Buffer.from('some noise before the first boundary'),
        part(jpeg(1)),
        Buffer.from('--b0undary\r\nContent-Type: image/jpeg\r\n\r\nxx\r\n'),
        part(Buffer.alloc(2000, 0xff), 2000),
        part(Buffer.from('not a jpeg')),
        part(jpeg(2)),
      ]),
    );
    expect(frames).toEqual([jpeg(1), jpeg(2)]);
    expect(garbage.join('|')).toMatch(/before a boundary/);
    expect(garbage.join('|')).toMatch(/without Content-Length/);
    expect(garbage.join('|')).toMatch(/bad part length 2000/);
    expect(garbage.join('|')).toMatch(/not a JPEG/);
  });
});
