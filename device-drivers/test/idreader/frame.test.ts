import {
  Command,
  decodeReadPayload,
  describeStatus,
  encodeReadPayload,
  encodeRequest,
  encodeResponse,
  requestDecoder,
  responseDecoder,
  STATUS_WORDS,
  type FrameDefect,
  type ResponseFrame,
} from '../../src/idreader';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function collect() {
  const frames: ResponseFrame[] = [];
  const defects: FrameDefect[] = [];
  const d = responseDecoder((f) => frames.push(f), (x) => defects.push(x));
  return { d, frames, defects };
}

describe('GA/T 467 request frames', () => {
  it.each([
    ['reset', 'aaaaaa9669 0003 10ff ec'],
    ['samStatus', 'aaaaaa9669 0003 11ff ed'],
    ['samId', 'aaaaaa9669 0003 12ff ee'],
    ['findCard', 'aaaaaa9669 0003 2001 22'],
    ['selectCard', 'aaaaaa9669 0003 2002 21'],
    ['readBase', 'aaaaaa9669 0003 3001 32'],
    ['readNewAddress', 'aaaaaa9669 0003 3003 30'],
    ['readWithFingerprint', 'aaaaaa9669 0003 3010 23'],
  ] as const)('%s encodes to the documented bytes', (name, bytes) => {
    const { cmd, para } = Command[name];
    expect(encodeRequest({ cmd, para, data: Buffer.alloc(0) }).equals(hex(bytes))).toBe(true);
  });

  it('decodes a request and answers the checksum and length defects a SAM reports as 0x10/0x11', () => {
    const got: number[] = [];
    const defects: string[] = [];
    const d = requestDecoder((f) => got.push(f.cmd), (x) => x.kind !== 'garbage' && defects.push(x.kind));
    d.push(hex('aaaaaa9669 0003 2001 22'));
    d.push(hex('aaaaaa9669 0003 2001 23'));
    d.push(hex('aaaaaa9669 0001 00'));
    expect(got).toEqual([0x20]);
    expect(defects).toEqual(['checksum', 'length']);
  });
});

describe('GA/T 467 response frames', () => {
  it('decodes the documented read-failure frame AA AA AA 96 69 00 04 00 00 41 45', () => {
    const { d, frames } = collect();
    d.push(hex('aaaaaa9669 0004 000041 45'));
    expect(frames).toEqual([{ sw1: 0, sw2: 0, sw3: 0x41, data: Buffer.alloc(0) }]);
    expect(describeStatus(0x41).name).toBe('read_failed');
  });

  const everyStatus = [0x90, 0x9f, 0x10, 0x11, 0x21, 0x23, 0x24, 0x31, 0x32, 0x33, 0x40, 0x41, 0x47, 0x60, 0x66, 0x80, 0x81, 0x91];
  it('knows every status word of the standard table', () => {
    expect([...STATUS_WORDS.keys()].sort()).toEqual([...everyStatus].sort());
  });

  it.each(everyStatus.map((s) => [s.toString(16), s] as const))('round-trips status 0x%s through bytes and classifies it', (_hex, sw3) => {
    const { d, frames } = collect();
    const data = sw3 === 0x9f ? Buffer.from([0, 0, 0, 0]) : Buffer.alloc(0);
    d.push(encodeResponse({ sw1: 0, sw2: 0, sw3, data }));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.sw3).toBe(sw3);
    const s = describeStatus(sw3);
    expect(s.sw3).toBe(sw3);
    expect(s.name).not.toMatch(/^unknown_/);
    const expected = sw3 === 0x90 || sw3 === 0x9f ? 'ok' : sw3 === 0x80 || sw3 === 0x81 ? 'no_card' : sw3 === 0x91 ? 'empty' : undefined;
    if (expected) expect(s.category).toBe(expected);
    else expect(['card', 'terminal', 'sam']).toContain(s.category);
  });

  it('names a status word outside the table instead of guessing', () => {
    expect(describeStatus(0x55)).toMatchObject({ name: 'unknown_0x55', category: 'sam' });
  });

  it('skips garbage before the preamble and reassembles a frame split byte by byte', () => {
    const { d, frames, defects } = collect();
    const bytes = Buffer.concat([hex('0102aaaa03'), encodeResponse({ sw1: 0, sw2: 0, sw3: 0x90, data: Buffer.from('hello') })]);
    for (const b of bytes) d.push(Buffer.from([b]));
    expect(frames.map((f) => f.data.toString())).toEqual(['hello']);
    expect(defects.filter((x) => x.kind === 'garbage').reduce((n, x) => n + (x.kind === 'garbage' ? x.bytes : 0), 0)).toBe(5);
  });

  it('drops a frame with a bad checksum and still finds the next good one', () => {
    const { d, frames, defects } = collect();
    const bad = encodeResponse({ sw1: 0, sw2: 0, sw3: 0x90, data: Buffer.from('x') });
    bad[bad.length - 1] ^= 0x01;
    d.push(Buffer.concat([bad, encodeResponse({ sw1: 0, sw2: 0, sw3: 0x9f, data: Buffer.alloc(4) })]));
    expect(frames.map((f) => f.sw3)).toEqual([0x9f]);
    expect(defects.some((x) => x.kind === 'checksum')).toBe(true);
  });

  it('rejects impossible lengths (shorter than SW1 SW2 SW3 CHK, or above the maximum)', () => {
    const { d, frames, defects } = collect();
    d.push(hex('aaaaaa9669 0002 0000'));
    d.push(hex('aaaaaa9669 ffff 00'));
    expect(frames).toHaveLength(0);
    expect(defects.filter((x) => x.kind === 'length')).toHaveLength(2);
  });

  it('holds a short frame until the rest arrives, and forgets it on reset', () => {
    const { d, frames } = collect();
    const full = encodeResponse({ sw1: 0, sw2: 0, sw3: 0x90, data: Buffer.alloc(20, 1) });
    d.push(full.subarray(0, 12));
    expect(frames).toHaveLength(0);
    expect(d.pending()).toBe(12);
    d.reset();
    d.push(full.subarray(12));
    expect(frames).toHaveLength(0);
    d.push(full);
    expect(frames).toHaveLength(1);
  });
});

describe('read payload', () => {
  it('splits text, photo and fingerprint by their big-endian lengths', () => {
    const text = Buffer.alloc(256, 1);
    const photo = Buffer.alloc(1024, 2);
    const fingerprint = Buffer.alloc(1024, 3);
    const bytes = encodeReadPayload({ text, photo, fingerprint });
    expect(bytes.subarray(0, 6).equals(hex('0100 0400 0400'))).toBe(true);
    const back = decodeReadPayload(bytes, true);
    expect(back.text.equals(text) && back.photo.equals(photo) && back.fingerprint!.equals(fingerprint)).toBe(true);
    expect(() => decodeReadPayload(bytes.subarray(0, 100), true)).toThrow(/do not match/);
    expect(() => decodeReadPayload(Buffer.alloc(2), false)).toThrow(/too short/);
  });
});
