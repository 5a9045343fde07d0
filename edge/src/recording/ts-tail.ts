/**
 * MPEG-TS tail surgery for fragments the muxer closed at end of stream. Pure byte functions.
 *
 * Why: at EOS (stop, pause, camera hang-up) the depayloader and parser drain whatever part of the
 * next access unit has arrived — often only its access unit delimiter, or the first slices of a
 * multi-slice picture — and the muxer writes it as the last video PES. Such a fragment fails a
 * strict decode ("missing picture in access unit", "corrupt decoded frame"). The drained unit is
 * not a frame the camera finished sending, so removing it loses no picture.
 */

export const TS_PACKET = 188;

const VIDEO_STREAM_TYPES = new Map<number, 'h264' | 'h265'>([
  [0x1b, 'h264'],
  [0x24, 'h265'],
]);

interface Packet {
  offset: number;
  pid: number;
  pusi: boolean;
  payload: Buffer | null;
}

/** Whole packets only: a file cut by a kill may end in a partial packet, which is ignored (and dropped by a cut). */
function packets(buf: Buffer): Packet[] | null {
  const whole = Math.floor(buf.length / TS_PACKET) * TS_PACKET;
  if (whole === 0) return null;
  const out: Packet[] = [];
  for (let off = 0; off < whole; off += TS_PACKET) {
    if (buf[off] !== 0x47) return null;
    const pid = ((buf[off + 1]! & 0x1f) << 8) | buf[off + 2]!;
    const pusi = (buf[off + 1]! & 0x40) !== 0;
    const afc = (buf[off + 3]! >> 4) & 0x3;
    let start = off + 4;
    if (afc & 0x2) start += 1 + buf[off + 4]!;
    const payload = afc & 0x1 && start < off + TS_PACKET ? buf.subarray(start, off + TS_PACKET) : null;
    out.push({ offset: off, pid, pusi, payload });
  }
  return out;
}

/** Video elementary stream PID and codec from the first PAT/PMT in the file. */
export function findVideoPid(buf: Buffer): { pid: number; codec: 'h264' | 'h265' } | null {
  const pkts = packets(buf);
  if (!pkts) return null;
  const section = (p: Packet): Buffer | null => (p.pusi && p.payload && p.payload.length > 1 ? p.payload.subarray(1 + p.payload[0]!) : null);
  let pmtPid: number | null = null;
  for (const p of pkts) {
    if (p.pid === 0 && pmtPid === null) {
      const s = section(p);
      if (!s || s[0] !== 0x00) continue;
      const len = ((s[1]! & 0x0f) << 8) | s[2]!;
      for (let i = 8; i + 4 <= 3 + len - 4; i += 4) {
        const program = (s[i]! << 8) | s[i + 1]!;
        if (program !== 0) {
          pmtPid = ((s[i + 2]! & 0x1f) << 8) | s[i + 3]!;
          break;
        }
      }
    } else if (pmtPid !== null && p.pid === pmtPid) {
      const s = section(p);
      if (!s || s[0] !== 0x02) continue;
      const len = ((s[1]! & 0x0f) << 8) | s[2]!;
      const infoLen = ((s[10]! & 0x0f) << 8) | s[11]!;
      for (let i = 12 + infoLen; i + 5 <= 3 + len - 4; ) {
        const type = s[i]!;
        const pid = ((s[i + 1]! & 0x1f) << 8) | s[i + 2]!;
        const esInfo = ((s[i + 3]! & 0x0f) << 8) | s[i + 4]!;
        const codec = VIDEO_STREAM_TYPES.get(type);
        if (codec) return { pid, codec };
        i += 5 + esInfo;
      }
      return null;
    }
  }
  return null;
}

export interface AccessUnitInfo {
  /** NAL unit types in the unit, in order. */
  nalTypes: number[];
  /** Holds at least one coded slice (VCL NAL unit). */
  hasPicture: boolean;
  bytes: number;
}

interface Nal {
  type: number;
  vcl: boolean;
  /** Prefix NAL units (delimiter, parameter sets, SEI) that open an access unit. */
  prefix: boolean;
  /** VCL only: the slice starts a picture (first_mb_in_slice = 0 / first_slice_segment_in_pic_flag). */
  firstSlice: boolean;
  bytes: number;
  /** Offset of the NAL header in the elementary stream bytes. */
  at: number;
}

/** NAL units of an Annex B byte stream. */
function parseNals(es: Buffer, codec: 'h264' | 'h265'): Nal[] {
  const starts: number[] = [];
  for (let i = 0; i + 3 < es.length; i++) {
    if (es[i] === 0 && es[i + 1] === 0 && es[i + 2] === 1) {
      starts.push(i + 3);
      i += 2;
    }
  }
  return starts.map((at, k) => {
    const end = k + 1 < starts.length ? starts[k + 1]! - 3 : es.length;
    const b = es[at]!;
    if (codec === 'h264') {
      const type = b & 0x1f;
      const vcl = type >= 1 && type <= 5;
      // first_mb_in_slice is ue(v): the value 0 is coded as a single 1 bit.
      return { type, vcl, prefix: [6, 7, 8, 9, 14, 15].includes(type), firstSlice: vcl && ((es[at + 1] ?? 0) & 0x80) !== 0, bytes: end - at, at };
    }
    const type = (b >> 1) & 0x3f;
    const vcl = type <= 31;
    return { type, vcl, prefix: [32, 33, 34, 35, 39].includes(type), firstSlice: vcl && ((es[at + 2] ?? 0) & 0x80) !== 0, bytes: end - at, at };
  });
}

interface Unit extends AccessUnitInfo {
  /** Index of the packet that starts the PES holding the unit's first NAL unit. */
  firstPacket: number;
  /** The unit's NAL units, each with its start code (Annex B). */
  nals: Buffer[];
  keyframe: boolean;
}

const PARAMETER_SETS = { h264: [7, 8], h265: [32, 33, 34] } as const;
const isKeyframe = (type: number, codec: 'h264' | 'h265'): boolean => (codec === 'h264' ? type === 5 : type >= 16 && type <= 23);
const START_CODE = Buffer.from([0, 0, 0, 1]);

/**
 * Video access units of a fragment. The muxer writes one PES per buffer, which holds either a
 * whole access unit or a single NAL unit (the parser's alignment), so units are found at the
 * NAL level: a new one starts at a prefix NAL unit or a picture's first slice after a slice.
 */
function accessUnits(buf: Buffer): { pid: number; codec: 'h264' | 'h265'; units: Unit[] } | null {
  const video = findVideoPid(buf);
  const pkts = packets(buf);
  if (!video || !pkts) return null;
  const units: Unit[] = [];
  let cur: Unit | null = null;
  let seenVcl = false;
  for (let i = 0; i < pkts.length; i++) {
    const p = pkts[i]!;
    if (p.pid !== video.pid || !p.pusi) continue;
    const es = pesPayload(pkts, i, video.pid);
    for (const nal of parseNals(es, video.codec)) {
      if (!cur || (seenVcl && (nal.prefix || (nal.vcl && nal.firstSlice)))) {
        cur = { firstPacket: i, nalTypes: [], hasPicture: false, bytes: 0, nals: [], keyframe: false };
        units.push(cur);
        seenVcl = false;
      }
      cur.nalTypes.push(nal.type);
      cur.bytes += nal.bytes;
      cur.nals.push(Buffer.concat([START_CODE, es.subarray(nal.at, nal.at + nal.bytes)]));
      if (nal.vcl) {
        seenVcl = true;
        cur.hasPicture = true;
        if (isKeyframe(nal.type, video.codec)) cur.keyframe = true;
      }
    }
  }
  return { ...video, units };
}

/** Elementary stream bytes of the PES that starts at packet `from` (video PID only). */
function pesPayload(pkts: Packet[], from: number, pid: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = from; i < pkts.length; i++) {
    const p = pkts[i]!;
    if (p.pid !== pid || !p.payload) continue;
    if (i > from && p.pusi) break;
    parts.push(p.payload);
  }
  const pes = Buffer.concat(parts);
  if (pes.length < 9 || pes[0] !== 0 || pes[1] !== 0 || pes[2] !== 1) return Buffer.alloc(0);
  return pes.subarray(9 + pes[8]!);
}

export interface VideoTail {
  pid: number;
  codec: 'h264' | 'h265';
  /** Access units in the fragment. */
  units: number;
  last: AccessUnitInfo;
}

const info = (u: Unit): AccessUnitInfo => ({ nalTypes: u.nalTypes, hasPicture: u.hasPicture, bytes: u.bytes });

/** The last video access unit of a TS fragment; null when it has none (or is not TS). */
export function inspectVideoTail(buf: Buffer): VideoTail | null {
  const a = accessUnits(buf);
  if (!a || a.units.length === 0) return null;
  return { pid: a.pid, codec: a.codec, units: a.units.length, last: info(a.units[a.units.length - 1]!) };
}

/**
 * The fragment without its last video access unit: every video packet from the PES holding its
 * first NAL unit on is removed; audio and table packets stay. Continuity counters stay valid
 * because only a tail of the video PID goes. `remainingPictures` counts the units left that
 * hold a picture. Null when the file is not TS or has no video.
 */
export function dropLastVideoAccessUnit(buf: Buffer): { data: Buffer; remainingPictures: number; dropped: AccessUnitInfo } | null {
  const a = accessUnits(buf);
  const pkts = packets(buf);
  if (!a || !pkts || a.units.length === 0) return null;
  const last = a.units[a.units.length - 1]!;
  const keep = pkts.filter((p, i) => i < last.firstPacket || p.pid !== a.pid);
  const data = Buffer.concat(keep.map((p) => buf.subarray(p.offset, p.offset + TS_PACKET)));
  return { data, remainingPictures: a.units.slice(0, -1).filter((u) => u.hasPicture).length, dropped: info(last) };
}

/**
 * The fragment's last group of pictures as a raw elementary stream, preceded by the first
 * parameter sets of the fragment: enough for a decoder to judge the tail without decoding the
 * whole fragment (a stop must stay fast with many cameras). Null without a key frame.
 */
export function lastGopStream(buf: Buffer): { codec: 'h264' | 'h265'; es: Buffer; pictures: number } | null {
  const a = accessUnits(buf);
  if (!a) return null;
  let key = -1;
  a.units.forEach((u, i) => {
    if (u.keyframe) key = i;
  });
  if (key < 0) return null;
  const wanted: readonly number[] = PARAMETER_SETS[a.codec];
  const params: Buffer[] = [];
  const seen = new Set<number>();
  for (const u of a.units) {
    u.nalTypes.forEach((t, k) => {
      if (wanted.includes(t) && !seen.has(t)) {
        seen.add(t);
        params.push(u.nals[k]!);
      }
    });
    if (seen.size === wanted.length) break;
  }
  const tail = a.units.slice(key);
  return { codec: a.codec, es: Buffer.concat([...params, ...tail.flatMap((u) => u.nals)]), pictures: tail.filter((u) => u.hasPicture).length };
}
