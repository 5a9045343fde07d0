import { promises as fsp } from 'node:fs';
import { decodeCheck, decodeElementaryCheck } from './probe';
import { dropLastVideoAccessUnit, inspectVideoTail, lastGopStream } from './ts-tail';

/** Scratch files next to a fragment while it is judged; a crash may leave them (recovery removes them). */
export const SCRATCH_SUFFIXES = ['.trim', '.gop'];

/**
 * Strict decode of the fragment's last group of pictures (with the fragment's parameter sets):
 * the tail is what end of stream can damage, and decoding one GOP instead of the whole fragment
 * keeps stop() quick with many cameras. Without a key frame the whole file is decoded.
 */
async function judge(data: Buffer, fileOnDisk: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const gop = lastGopStream(data);
  if (!gop) return decodeCheck(fileOnDisk);
  const tmp = `${fileOnDisk}.gop`;
  try {
    await fsp.writeFile(tmp, gop.es);
    return await decodeElementaryCheck(tmp, gop.codec);
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

/**
 * What to do with a fragment that ended at end of stream (stop, pause, camera hang-up) or with
 * the process (kill): only such fragments can end in a partly received access unit. Fragments
 * closed by a split end where the next key frame began, so they are complete by construction.
 */
export type FragmentVerdict =
  /** Decodes cleanly as written. */
  | { action: 'ok' }
  /** Decodes cleanly after dropping an incomplete last access unit (file rewritten in place). */
  | { action: 'trimmed'; note: string }
  /** No complete picture at all: must not become a segment (quarantine it, explain the hole). */
  | { action: 'no_picture'; note: string }
  /** Still fails a strict decode: damage inside the camera's data, not at our cut. */
  | { action: 'damaged'; note: string };

const describe = (types: number[], bytes: number): string => `NAL types [${types.join(',')}], ${bytes} bytes`;

/** Judges a fragment's tail with an independent decoder (ffmpeg) and repairs a drained tail. */
export async function settleFragmentTail(file: string): Promise<FragmentVerdict> {
  const buf = await fsp.readFile(file);
  const tail = inspectVideoTail(buf);
  if (!tail) return { action: 'no_picture', note: 'fragment holds no video access unit' };
  // A last unit without any slice is never a frame (H.265 decoders let a lone delimiter pass).
  const first = tail.last.hasPicture ? await judge(buf, file) : { ok: false as const, reason: 'last access unit holds no picture' };
  if (first.ok) return { action: 'ok' };
  const cut = dropLastVideoAccessUnit(buf);
  if (!cut) return { action: 'damaged', note: first.reason };
  const dropped = describe(cut.dropped.nalTypes, cut.dropped.bytes);
  if (cut.remainingPictures === 0) {
    return { action: 'no_picture', note: `fragment holds only an incomplete access unit (${dropped}): ${first.reason}` };
  }
  const tmp = `${file}.trim`;
  const h = await fsp.open(tmp, 'w');
  try {
    await h.writeFile(cut.data);
    await h.sync();
  } finally {
    await h.close();
  }
  const second = await judge(cut.data, tmp);
  if (!second.ok) {
    await fsp.rm(tmp, { force: true });
    return { action: 'damaged', note: first.reason };
  }
  // Rename within the folder: a crash leaves either the original or the repaired file.
  await fsp.rename(tmp, file);
  return { action: 'trimmed', note: `dropped an incomplete last access unit drained at end of stream (${dropped})` };
}
