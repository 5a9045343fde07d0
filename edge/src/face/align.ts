/**
 * Geometry for face alignment: 2×3 affine matrices, the least-squares similarity (Umeyama) and
 * affine fits that map detected landmarks onto the embedding model's 112×112 template, and the
 * 68-point → 5-point reduction.
 */

export type Point = readonly [number, number];

/** Row-major 2×3 affine matrix [a, b, tx, c, d, ty]: x' = a·x + b·y + tx, y' = c·x + d·y + ty. */
export type Affine = readonly [number, number, number, number, number, number];

/** The ArcFace 112×112 five-point template: left eye, right eye, nose tip, left and right mouth corners. */
export const ARCFACE_TEMPLATE_112: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

export function applyAffine(m: Affine, p: Point): Point {
  return [m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]];
}

export function invertAffine(m: Affine): Affine {
  const [a, b, tx, c, d, ty] = m;
  const det = a * d - b * c;
  if (Math.abs(det) < 1e-12) throw new Error('affine matrix is singular');
  const ia = d / det;
  const ib = -b / det;
  const ic = -c / det;
  const id = a / det;
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)];
}

/** Mean linear scale of an affine map (square root of |det|). */
export function affineScale(m: Affine): number {
  return Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
}

/**
 * Least-squares similarity transform (rotation, uniform scale, translation, no reflection)
 * mapping src onto dst (Umeyama 1991 in 2-D closed form).
 */
export function estimateSimilarity(src: readonly Point[], dst: readonly Point[]): Affine {
  const n = src.length;
  if (n < 2 || dst.length !== n) throw new Error('similarity needs ≥ 2 matching points');
  let msx = 0, msy = 0, mdx = 0, mdy = 0;
  for (let i = 0; i < n; i++) {
    msx += src[i][0]; msy += src[i][1]; mdx += dst[i][0]; mdy += dst[i][1];
  }
  msx /= n; msy /= n; mdx /= n; mdy /= n;
  // With centred points, the optimal [a -b; b a] has a = Σ(x·u + y·v)/Σ|p|², b = Σ(x·v − y·u)/Σ|p|².
  let sxx = 0, num_a = 0, num_b = 0;
  for (let i = 0; i < n; i++) {
    const x = src[i][0] - msx, y = src[i][1] - msy;
    const u = dst[i][0] - mdx, v = dst[i][1] - mdy;
    sxx += x * x + y * y;
    num_a += x * u + y * v;
    num_b += x * v - y * u;
  }
  if (sxx < 1e-12) throw new Error('similarity: source points coincide');
  const a = num_a / sxx;
  const b = num_b / sxx;
  return [a, -b, mdx - (a * msx - b * msy), b, a, mdy - (b * msx + a * msy)];
}

/** Least-squares affine transform mapping src onto dst (≥ 3 non-collinear points). */
export function estimateAffine(src: readonly Point[], dst: readonly Point[]): Affine {
  const n = src.length;
  if (n < 3 || dst.length !== n) throw new Error('affine needs ≥ 3 matching points');
  // Normal equations: (XᵀX) p = Xᵀu with rows X_i = [x, y, 1], solved for both output rows.
  const ata = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  const atu = [0, 0, 0];
  const atv = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const r = [src[i][0], src[i][1], 1];
    for (let j = 0; j < 3; j++) {
      for (let k = 0; k < 3; k++) ata[j * 3 + k] += r[j] * r[k];
      atu[j] += r[j] * dst[i][0];
      atv[j] += r[j] * dst[i][1];
    }
  }
  const p = solve3(ata, atu);
  const q = solve3(ata, atv);
  return [p[0], p[1], p[2], q[0], q[1], q[2]];
}

function solve3(m: number[], b: number[]): [number, number, number] {
  const det3 = (a: number[]) =>
    a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6]);
  const d = det3(m);
  if (Math.abs(d) < 1e-9) throw new Error('affine: points are collinear');
  const col = (c: number) => m.map((v, i) => (i % 3 === c ? b[Math.floor(i / 3)] : v));
  return [det3(col(0)) / d, det3(col(1)) / d, det3(col(2)) / d];
}

const mean = (pts: readonly Point[]): Point => {
  let x = 0, y = 0;
  for (const p of pts) { x += p[0]; y += p[1]; }
  return [x / pts.length, y / pts.length];
};

/**
 * Five points from the 68-point (iBUG/Multi-PIE) layout: eye centres (mean of the 6 contour
 * points of each eye), nose tip (30), mouth corners (48, 54). "Left" is the image-left eye,
 * matching the template's order.
 */
export function fivePointsFrom68(lm: readonly Point[]): Point[] {
  if (lm.length !== 68) throw new Error(`expected 68 landmarks, got ${lm.length}`);
  return [mean(lm.slice(36, 42)), mean(lm.slice(42, 48)), lm[30], lm[48], lm[54]];
}

/** The reduction the model's publisher used: 4 eyelid points per eye, mouth corners averaged with the inner lip corners. */
export function fivePointsFrom68Publisher(lm: readonly Point[]): Point[] {
  if (lm.length !== 68) throw new Error(`expected 68 landmarks, got ${lm.length}`);
  const eye = (i: number[]) => mean(i.map((k) => lm[k]));
  return [eye([37, 38, 40, 41]), eye([43, 44, 46, 47]), lm[30], mean([lm[48], lm[60]]), mean([lm[54], lm[64]])];
}

export type AlignmentMethod = 'similarity5' | 'affine5' | 'affine3' | 'similarity2';

/** The transform (image → template) for one alignment method. */
export function alignmentTransform(method: AlignmentMethod, five: readonly Point[], template: readonly Point[]): Affine {
  switch (method) {
    case 'similarity5':
      return estimateSimilarity(five, template);
    case 'affine5':
      return estimateAffine(five, template);
    case 'affine3':
      return estimateAffine(five.slice(0, 3), template.slice(0, 3));
    case 'similarity2':
      return estimateSimilarity(five.slice(0, 2), template.slice(0, 2));
  }
}
