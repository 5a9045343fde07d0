/**
 * Dev-set evaluation: pairs (from a CSV or a folder-per-person layout), chip-sized references,
 * and the usual verification metrics (TAR at fixed FAR, EER, ROC).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { encodeBmp24 } from './bmp';
import { boxHeight, boxWidth } from './detect';
import type { FaceEngine } from './engine';
import type { RgbImage } from './image-types';
import { rectTransform, warpAffine } from './imageops';

export interface Pair {
  /** The reference (downscaled to chip size). */
  x: string;
  /** The live probe (full size). */
  y: string;
  genuine: boolean;
}

const IMAGE_EXT = /\.(jpe?g|png|bmp|webp)$/i;

/** All ordered genuine pairs within each person's folder and all ordered impostor pairs across folders; skips multi/. */
export function folderPairs(dir: string): Pair[] {
  const people = readdirSync(dir)
    .filter((d) => d !== 'multi' && statSync(path.join(dir, d)).isDirectory())
    .sort();
  const images: { person: string; file: string }[] = [];
  for (const p of people) {
    for (const f of readdirSync(path.join(dir, p)).filter((f) => IMAGE_EXT.test(f)).sort()) {
      images.push({ person: p, file: path.join(p, f) });
    }
  }
  const pairs: Pair[] = [];
  for (const a of images) {
    for (const b of images) {
      if (a === b) continue;
      pairs.push({ x: a.file, y: b.file, genuine: a.person === b.person });
    }
  }
  return pairs;
}

/** Parses `file_x,file_y,Decision` (Yes/No) with a header line. */
export function parsePairsCsv(text: string): Pair[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const pairs: Pair[] = [];
  for (const [i, line] of lines.entries()) {
    const cols = line.split(',').map((c) => c.trim());
    if (i === 0 && /file_x/i.test(cols[0] ?? '')) continue;
    if (cols.length < 3) throw new Error(`pairs line ${i + 1}: expected file_x,file_y,Decision`);
    const d = cols[2].toLowerCase();
    if (d !== 'yes' && d !== 'no') throw new Error(`pairs line ${i + 1}: Decision must be Yes or No, got "${cols[2]}"`);
    pairs.push({ x: cols[0], y: cols[1], genuine: d === 'yes' });
  }
  return pairs;
}

export function parseSize(s: string): { width: number; height: number } {
  const m = /^(\d{1,4})x(\d{1,4})$/.exec(s);
  if (!m) throw new Error(`size must look like 102x126, got "${s}"`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

/**
 * Mimics the ID-card chip photo: a crop around the detected face with the chip's aspect ratio and
 * head framing (face box ≈ 60 % of the width), downscaled to the chip size, encoded as BMP like
 * a reader's decoder emits. Returns null when no face is found to crop around.
 */
export async function chipReference(engine: FaceEngine, img: RgbImage, size: { width: number; height: number }): Promise<Buffer | null> {
  const boxes = await engine.detect(img, 'probe');
  if (boxes.length === 0) return null;
  const face = boxes.reduce((a, b) => (boxWidth(b) * boxHeight(b) > boxWidth(a) * boxHeight(a) ? b : a));
  let w = boxWidth(face) / 0.6;
  let h = (w * size.height) / size.width;
  if (w > img.width) { w = img.width; h = (w * size.height) / size.width; }
  if (h > img.height) { h = img.height; w = (h * size.width) / size.height; }
  const cx = (face.x1 + face.x2) / 2;
  const cy = (face.y1 + face.y2) / 2 - 0.05 * h;
  const x = Math.min(Math.max(0, cx - w / 2), img.width - w);
  const y = Math.min(Math.max(0, cy - h / 2), img.height - h);
  const chip = warpAffine(img, rectTransform(x, y, w, h, size.width, size.height), size.width, size.height, 255);
  return encodeBmp24(chip);
}

export interface Metrics {
  genuinePairs: number;
  impostorPairs: number;
  tarAtFar: { far: number; tar: number; threshold: number }[];
  eer: number;
  eerThreshold: number;
  roc: { threshold: number; far: number; tar: number }[];
  genuineMin: number;
  impostorMax: number;
}

/** Threshold for a target FAR: the (k+1)-th highest impostor score, k = floor(far·N); accepted when score > it. */
export function metrics(genuine: number[], impostor: number[], fars = [0.01, 0.001, 0.0001]): Metrics {
  const g = [...genuine].sort((a, b) => a - b);
  const imp = [...impostor].sort((a, b) => b - a);
  const tarAbove = (t: number) => g.filter((s) => s > t).length / Math.max(1, g.length);
  const farAbove = (t: number) => imp.filter((s) => s > t).length / Math.max(1, imp.length);
  const tarAtFar = fars.map((far) => {
    const k = Math.floor(far * imp.length);
    const threshold = imp.length ? imp[Math.min(k, imp.length - 1)] : 1;
    return { far, tar: tarAbove(threshold), threshold };
  });
  // EER: sweep candidate thresholds; take the point minimising |FAR − FRR|.
  const cands = [...new Set([...g, ...imp, -1, 1])].sort((a, b) => a - b);
  let eer = 1, eerThreshold = 0, best = Infinity;
  for (const t of cands) {
    const far = farAbove(t - 1e-9);
    const frr = 1 - tarAbove(t - 1e-9);
    const d = Math.abs(far - frr);
    if (d < best) { best = d; eer = (far + frr) / 2; eerThreshold = t; }
  }
  const step = Math.max(1, Math.floor(cands.length / 40));
  const roc = cands.filter((_, i) => i % step === 0).map((t) => ({ threshold: round(t), far: round(farAbove(t)), tar: round(tarAbove(t)) }));
  return {
    genuinePairs: g.length,
    impostorPairs: imp.length,
    tarAtFar,
    eer,
    eerThreshold,
    roc,
    genuineMin: g.length ? g[0] : NaN,
    impostorMax: imp.length ? imp[0] : NaN,
  };
}

const round = (v: number) => Math.round(v * 10000) / 10000;

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export interface PairScore extends Pair {
  score: number;
  match: boolean;
  outcome: string;
}

export interface EvalResult {
  scores: PairScore[];
  metrics: Metrics;
  latencyMs: { p50: number; p99: number };
  threshold: number;
}

/**
 * Runs every pair through engine.verify with a chip-sized reference (liveness not required: the
 * dev set's photos say nothing about presentation attacks). Images are read once and held in memory.
 */
export async function evaluatePairs(
  engine: FaceEngine,
  imagesDir: string,
  pairs: Pair[],
  referenceSize: { width: number; height: number },
  decode: (buf: Buffer) => Promise<RgbImage>,
): Promise<EvalResult> {
  const files = new Map<string, Buffer>();
  const chips = new Map<string, Buffer | null>();
  const read = (f: string) => {
    let b = files.get(f);
    if (!b) {
      try {
        b = readFileSync(path.resolve(imagesDir, f));
      } catch (err) {
        throw new Error(`cannot read ${f}: ${(err as Error).message}`);
      }
      files.set(f, b);
    }
    return b;
  };
  const scores: PairScore[] = [];
  const latencies: number[] = [];
  for (const p of pairs) {
    if (!chips.has(p.x)) {
      const img = await decode(read(p.x)).catch((err: Error) => {
        err.message = `${p.x}: ${err.message}`;
        throw err;
      });
      chips.set(p.x, await chipReference(engine, img, referenceSize));
    }
    const chip = chips.get(p.x);
    if (!chip) {
      scores.push({ ...p, score: -1, match: false, outcome: 'reference_unusable' });
      continue;
    }
    const t = performance.now();
    const check = await engine.verify({ probe: read(p.y), reference: chip }).catch((err: Error) => {
      err.message = `${p.y}: ${err.message}`;
      throw err;
    });
    latencies.push(performance.now() - t);
    scores.push({ ...p, score: check.score ?? -1, match: check.match, outcome: check.outcome });
  }
  const m = metrics(scores.filter((s) => s.genuine).map((s) => s.score), scores.filter((s) => !s.genuine).map((s) => s.score));
  return { scores, metrics: m, latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) }, threshold: engine.threshold };
}
