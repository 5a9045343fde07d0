// A small DER (ASN.1 Distinguished Encoding Rules) encoder and decoder: just what X.509 client
// certificates and PKCS#10 requests need. node:crypto signs and verifies; the structure is ours.

export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export const seq = (...items: Buffer[]): Buffer => tlv(Tag.SEQUENCE, Buffer.concat(items));
/** SET OF: DER orders the elements by their encodings. */
export const setOf = (...items: Buffer[]): Buffer => tlv(Tag.SET, Buffer.concat([...items].sort(Buffer.compare)));
export const nul = (): Buffer => tlv(Tag.NULL, Buffer.alloc(0));
export const bool = (v: boolean): Buffer => tlv(Tag.BOOLEAN, Buffer.from([v ? 0xff : 0x00]));
export const octets = (b: Buffer): Buffer => tlv(Tag.OCTET_STRING, b);
export const utf8 = (s: string): Buffer => tlv(Tag.UTF8_STRING, Buffer.from(s, 'utf8'));
export const ia5 = (s: string): Buffer => {
  if (!/^[\x00-\x7f]*$/.test(s)) throw new Error(`not IA5: ${s}`);
  return tlv(Tag.IA5_STRING, Buffer.from(s, 'ascii'));
};
/** BIT STRING with `unusedBits` padding bits in the last byte (0 for keys and signatures). */
export const bits = (b: Buffer, unusedBits = 0): Buffer => tlv(Tag.BIT_STRING, Buffer.concat([Buffer.from([unusedBits]), b]));
/** [n] EXPLICIT: constructed context tag around a complete encoding. */
export const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);
/** [n] IMPLICIT of a primitive value (replaces its tag). */
export const implicitPrimitive = (n: number, content: Buffer): Buffer => tlv(0x80 | n, content);
/** [n] IMPLICIT of a constructed value (SET/SEQUENCE contents under a context tag). */
export const implicitConstructed = (n: number, contents: Buffer): Buffer => tlv(0xa0 | n, contents);

/** A non-negative INTEGER from a bigint or unsigned big-endian bytes. */
export function int(value: bigint | number | Buffer): Buffer {
  let bytes: Buffer;
  if (Buffer.isBuffer(value)) bytes = value;
  else {
    let v = BigInt(value);
    if (v < 0n) throw new Error('negative INTEGER not supported');
    const out: number[] = [];
    do {
      out.unshift(Number(v & 0xffn));
      v >>= 8n;
    } while (v > 0n);
    bytes = Buffer.from(out);
  }
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  bytes = bytes.subarray(i);
  if (bytes.length === 0) bytes = Buffer.from([0]);
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(Tag.INTEGER, bytes);
}

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => {
    if (!/^\d+$/.test(a)) throw new Error(`bad OID ${dotted}`);
    return BigInt(a);
  });
  if (arcs.length < 2) throw new Error(`bad OID ${dotted}`);
  const out: number[] = [];
  const push = (v: bigint) => {
    const group: number[] = [Number(v & 0x7fn)];
    for (v >>= 7n; v > 0n; v >>= 7n) group.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...group);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return tlv(Tag.OID, Buffer.from(out));
}

/** UTCTime before 2050, GeneralizedTime from 2050 on (RFC 5280 §4.1.2.5); whole seconds, Zulu. */
export function time(d: Date): Buffer {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = d.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(Tag.UTC_TIME, Buffer.from(digits.slice(2) + 'Z', 'ascii'));
  return tlv(Tag.GENERALIZED_TIME, Buffer.from(digits + 'Z', 'ascii'));
}

// ------------------------------------------------------------------ decoding

export interface DerNode {
  tag: number;
  /** The whole encoding (tag, length, content): what a signature covers. */
  raw: Buffer;
  content: Buffer;
  /** Parsed children of a constructed value. */
  children: DerNode[];
}

export class DerError extends Error {}

/** Decodes one complete DER value; trailing bytes are an error. Bounded depth. */
export function decode(buf: Buffer): DerNode {
  const { node, end } = decodeAt(buf, 0, 0);
  if (end !== buf.length) throw new DerError(`${buf.length - end} trailing bytes`);
  return node;
}

function decodeAt(buf: Buffer, start: number, depth: number): { node: DerNode; end: number } {
  if (depth > 20) throw new DerError('nested too deeply');
  if (start + 2 > buf.length) throw new DerError('truncated');
  const tag = buf[start]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported');
  let len = buf[start + 1]!;
  let pos = start + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError('indefinite length is not DER');
    if (n > 4 || pos + n > buf.length) throw new DerError('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + i]!;
    if (len < 0x80 || buf[pos] === 0) throw new DerError('length not minimally encoded');
    pos += n;
  }
  const end = pos + len;
  if (end > buf.length) throw new DerError('truncated');
  const content = buf.subarray(pos, end);
  const children: DerNode[] = [];
  if (tag & 0x20) {
    let p = pos;
    while (p < end) {
      const child = decodeAt(buf.subarray(0, end), p, depth + 1);
      children.push(child.node);
      p = child.end;
    }
  }
  return { node: { tag, raw: buf.subarray(start, end), content, children }, end };
}

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node) throw new DerError(`${what}: missing`);
  if (node.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, got 0x${node.tag.toString(16)}`);
  return node;
}

export function readOid(node: DerNode): string {
  const b = node.content;
  if (!b.length) throw new DerError('empty OID');
  const arcs: bigint[] = [];
  let v = 0n;
  for (const byte of b) {
    v = (v << 7n) | BigInt(byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(v);
      v = 0n;
    }
  }
  const first = arcs.shift()!;
  const a0 = first < 80n ? first / 40n : 2n;
  return [a0, first - a0 * 40n, ...arcs].join('.');
}

export function readString(node: DerNode): string {
  if (![Tag.UTF8_STRING, Tag.PRINTABLE_STRING, Tag.IA5_STRING].includes(node.tag as 0x0c)) throw new DerError('not a string');
  return node.content.toString('utf8');
}

export function readTime(node: DerNode): Date {
  const s = node.content.toString('ascii');
  const m = node.tag === Tag.UTC_TIME ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m || (node.tag !== Tag.UTC_TIME && node.tag !== Tag.GENERALIZED_TIME)) throw new DerError(`bad time ${s}`);
  let year = Number(m[1]);
  if (node.tag === Tag.UTC_TIME) year += year < 50 ? 2000 : 1900;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/** The bytes of a BIT STRING with no unused bits (keys, signatures). */
export function readBits(node: DerNode): Buffer {
  expectTag(node, Tag.BIT_STRING, 'BIT STRING');
  if (node.content[0] !== 0) throw new DerError('BIT STRING with unused bits');
  return node.content.subarray(1);
}

export function toPem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export function fromPem(label: string, pem: string): Buffer {
  const m = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!m) throw new DerError(`no PEM ${label}`);
  return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
}
