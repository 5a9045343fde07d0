/**
 * Detector post-processing: priors and box decoding, score filtering, non-maximum suppression,
 * mapping back to image coordinates, and choosing the subject's face.
 */
import type { Affine } from './align';

export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
}

export const boxWidth = (b: Box) => b.x2 - b.x1;
export const boxHeight = (b: Box) => b.y2 - b.y1;
export const boxArea = (b: Box) => Math.max(0, boxWidth(b)) * Math.max(0, boxHeight(b));

export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (boxArea(a) + boxArea(b) - inter);
}

/** Greedy NMS: keeps the best-scoring box and drops those overlapping it by more than iouThreshold. */
export function nms(boxes: readonly Box[], iouThreshold: number, topK = 750): Box[] {
  const sorted = [...boxes].sort((a, b) => b.score - a.score).slice(0, topK);
  const kept: Box[] = [];
  for (const b of sorted) {
    if (kept.every((k) => iou(k, b) <= iouThreshold)) kept.push(b);
  }
  return kept;
}

export interface PriorConfig {
  minSizes: number[][];
  steps: number[];
  variance: [number, number];
}

/** SSD/UltraFace priors (cx, cy, w, h), normalised to the input size. */
export function priorBoxes(inputW: number, inputH: number, cfg: PriorConfig): Float32Array {
  const out: number[] = [];
  cfg.steps.forEach((step, k) => {
    const fw = Math.ceil(inputW / step);
    const fh = Math.ceil(inputH / step);
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        for (const m of cfg.minSizes[k]) {
          out.push(((j + 0.5) * step) / inputW, ((i + 0.5) * step) / inputH, m / inputW, m / inputH);
        }
      }
    }
  });
  return Float32Array.from(out);
}

/**
 * Decodes detector output to boxes in normalised input coordinates.
 * `normalized_xyxy`: the network already emits x1, y1, x2, y2 in [0, 1] (the shipped UltraFace export).
 * `ssd_priors`: raw offsets against priors (cx + dx·v0·w, w·exp(dw·v1)), as in UltraFace/RetinaFace training code.
 */
export function decodeBoxes(
  raw: Float32Array,
  scores: Float32Array,
  scoreThreshold: number,
  format: 'normalized_xyxy' | 'ssd_priors',
  priors?: Float32Array,
  variance: [number, number] = [0.1, 0.2],
): Box[] {
  const n = scores.length / 2;
  const out: Box[] = [];
  for (let i = 0; i < n; i++) {
    const score = scores[i * 2 + 1];
    if (score < scoreThreshold) continue;
    if (format === 'normalized_xyxy') {
      out.push({ x1: raw[i * 4], y1: raw[i * 4 + 1], x2: raw[i * 4 + 2], y2: raw[i * 4 + 3], score });
    } else {
      if (!priors) throw new Error('ssd_priors decoding needs priors');
      const [pcx, pcy, pw, ph] = [priors[i * 4], priors[i * 4 + 1], priors[i * 4 + 2], priors[i * 4 + 3]];
      const cx = pcx + raw[i * 4] * variance[0] * pw;
      const cy = pcy + raw[i * 4 + 1] * variance[0] * ph;
      const w = pw * Math.exp(raw[i * 4 + 2] * variance[1]);
      const h = ph * Math.exp(raw[i * 4 + 3] * variance[1]);
      out.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score });
    }
  }
  return out;
}

/** Maps boxes from normalised input coordinates back to image pixels via the input→image transform. */
export function boxesToImage(boxes: readonly Box[], inputW: number, inputH: number, imageFromInput: Affine): Box[] {
  // imageFromInput is axis-aligned (scale + offset) for letterboxing.
  return boxes.map((b) => ({
    x1: imageFromInput[0] * b.x1 * inputW + imageFromInput[2],
    y1: imageFromInput[4] * b.y1 * inputH + imageFromInput[5],
    x2: imageFromInput[0] * b.x2 * inputW + imageFromInput[2],
    y2: imageFromInput[4] * b.y2 * inputH + imageFromInput[5],
    score: b.score,
  }));
}

/**
 * Letterbox: fits a source region (x, y, w, h, may extend past the image) into inputW × inputH
 * keeping aspect, centred. Returns the input→image transform (what warpAffine needs, and what
 * maps detections back).
 */
export function letterbox(x: number, y: number, w: number, h: number, inputW: number, inputH: number): Affine {
  const s = Math.max(w / inputW, h / inputH); // source pixels per input pixel
  const ox = x - (inputW * s - w) / 2;
  const oy = y - (inputH * s - h) / 2;
  return [s, 0, ox, 0, s, oy];
}

export type FaceChoice = { kind: 'none' } | { kind: 'multiple'; faces: Box[] } | { kind: 'one'; face: Box; others: Box[] };

/**
 * The subject is the face with the best size × centrality; another face at least `comparable`
 * times its area (and confidently detected) means several people are in front of the camera.
 */
export function chooseFace(boxes: readonly Box[], imageW: number, imageH: number, comparable = 0.45): FaceChoice {
  if (boxes.length === 0) return { kind: 'none' };
  const rank = (b: Box) => {
    const cx = (b.x1 + b.x2) / 2 / imageW - 0.5;
    const cy = (b.y1 + b.y2) / 2 / imageH - 0.5;
    const off = Math.sqrt(cx * cx + cy * cy) / Math.SQRT1_2; // 0 centre … 1 corner
    return boxArea(b) * (1 - 0.5 * off);
  };
  const sorted = [...boxes].sort((a, b) => rank(b) - rank(a));
  const face = sorted[0];
  const others = sorted.slice(1);
  const rivals = others.filter((b) => boxArea(b) >= comparable * boxArea(face));
  if (rivals.length > 0) return { kind: 'multiple', faces: [face, ...rivals] };
  return { kind: 'one', face, others };
}
