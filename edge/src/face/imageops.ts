/**
 * Pixel operations on packed RGB in plain JS: affine warps with an area pre-filter when
 * shrinking (so a 2000-pixel face is not aliased into a 112-pixel crop), tensor packing, and the
 * statistics quality gates need.
 */
import { affineScale, type Affine } from './align';
import type { RgbImage } from './image-types';

/** Box-filters a region of img by an integer factor. */
export function boxDownscale(img: RgbImage, x0: number, y0: number, w: number, h: number, f: number): RgbImage {
  const ow = Math.max(1, Math.floor(w / f));
  const oh = Math.max(1, Math.floor(h / f));
  const out = new Uint8Array(ow * oh * 3);
  const acc = new Uint32Array(ow * 3);
  const src = img.data;
  const area = f * f;
  if (f === 2) {
    // The common case (half-resolution level, 2× crops), without the accumulator row.
    const stride = img.width * 3;
    for (let oy = 0; oy < oh; oy++) {
      let s0 = ((y0 + oy * 2) * img.width + x0) * 3;
      let s1 = s0 + stride;
      let o = oy * ow * 3;
      for (let ox = 0; ox < ow; ox++, s0 += 6, s1 += 6, o += 3) {
        out[o] = (src[s0] + src[s0 + 3] + src[s1] + src[s1 + 3] + 2) >> 2;
        out[o + 1] = (src[s0 + 1] + src[s0 + 4] + src[s1 + 1] + src[s1 + 4] + 2) >> 2;
        out[o + 2] = (src[s0 + 2] + src[s0 + 5] + src[s1 + 2] + src[s1 + 5] + 2) >> 2;
      }
    }
    return { width: ow, height: oh, data: out };
  }
  const inv = 1 / area;
  for (let oy = 0; oy < oh; oy++) {
    acc.fill(0);
    for (let dy = 0; dy < f; dy++) {
      let s = ((y0 + oy * f + dy) * img.width + x0) * 3;
      for (let a = 0; a < ow * 3; a += 3) {
        let r = 0, g = 0, b = 0;
        for (let dx = 0; dx < f; dx++, s += 3) {
          r += src[s];
          g += src[s + 1];
          b += src[s + 2];
        }
        acc[a] += r;
        acc[a + 1] += g;
        acc[a + 2] += b;
      }
    }
    const o = oy * ow * 3;
    for (let i = 0; i < ow * 3; i++) out[o + i] = acc[i] * inv + 0.5;
  }
  return { width: ow, height: oh, data: out };
}

/** Area pre-filter when shrinking by ≥ 2× (bilinear alone is fine below 2×): returns the (possibly reduced) source and the adjusted map. */
function prefilter(img: RgbImage, srcFromDst: Affine, outW: number, outH: number): { src: RgbImage; m: Affine } {
  let src = img;
  let m = srcFromDst;
  const k = affineScale(m);
  if (k >= 2) {
    const f = Math.floor(k);
    // Bounding box of the output's footprint in the source, clamped to the image.
    const xs: number[] = [];
    const ys: number[] = [];
    for (const [x, y] of [[0, 0], [outW, 0], [0, outH], [outW, outH]]) {
      xs.push(m[0] * x + m[1] * y + m[2]);
      ys.push(m[3] * x + m[4] * y + m[5]);
    }
    const x0 = Math.max(0, Math.floor(Math.min(...xs)) - f);
    const y0 = Math.max(0, Math.floor(Math.min(...ys)) - f);
    const x1 = Math.min(img.width, Math.ceil(Math.max(...xs)) + f);
    const y1 = Math.min(img.height, Math.ceil(Math.max(...ys)) + f);
    if (x1 - x0 >= f && y1 - y0 >= f) {
      src = boxDownscale(img, x0, y0, x1 - x0, y1 - y0, f);
      // Downscaled pixel j has its centre at source x0 + j·f + (f − 1)/2.
      const c = (f - 1) / 2;
      m = [m[0] / f, m[1] / f, (m[2] - x0 - c) / f, m[3] / f, m[4] / f, (m[5] - y0 - c) / f];
    }
  }
  return { src, m };
}

/**
 * Samples img at srcFromDst(x, y) for every output pixel (bilinear; pixel centres at integer
 * coordinates); outside the image the fill value is used. Pre-filters when shrinking by ≥ 2×.
 */
export function warpAffine(img: RgbImage, srcFromDst: Affine, outW: number, outH: number, fill = 127): RgbImage {
  const { src, m } = prefilter(img, srcFromDst, outW, outH);
  const out = new Uint8Array(outW * outH * 3);
  const { width: w, height: h, data } = src;
  const [a, b, tx, c, d, ty] = m;
  const row = w * 3;
  let o = 0;
  for (let y = 0; y < outH; y++) {
    const rx = b * y + tx;
    const ry = d * y + ty;
    for (let x = 0; x < outW; x++, o += 3) {
      // Computed directly, not accumulated, so every sampler agrees to the last bit.
      const sx = a * x + rx;
      const sy = c * x + ry;
      const ix = Math.floor(sx);
      const iy = Math.floor(sy);
      const fx = sx - ix;
      const fy = sy - iy;
      if (ix >= 0 && iy >= 0 && ix < w - 1 && iy < h - 1) {
        // Fast path: all four neighbours inside.
        const p = iy * row + ix * 3;
        const w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
        out[o] = w00 * data[p] + w10 * data[p + 3] + w01 * data[p + row] + w11 * data[p + row + 3] + 0.5;
        out[o + 1] = w00 * data[p + 1] + w10 * data[p + 4] + w01 * data[p + row + 1] + w11 * data[p + row + 4] + 0.5;
        out[o + 2] = w00 * data[p + 2] + w10 * data[p + 5] + w01 * data[p + row + 2] + w11 * data[p + row + 5] + 0.5;
        continue;
      }
      if (ix < -1 || iy < -1 || ix >= w || iy >= h) {
        out[o] = out[o + 1] = out[o + 2] = fill;
        continue;
      }
      const in00 = ix >= 0 && iy >= 0;
      const in10 = ix + 1 < w && iy >= 0;
      const in01 = ix >= 0 && iy + 1 < h;
      const in11 = ix + 1 < w && iy + 1 < h;
      for (let ch = 0; ch < 3; ch++) {
        const p00 = in00 ? data[(iy * w + ix) * 3 + ch] : fill;
        const p10 = in10 ? data[(iy * w + ix + 1) * 3 + ch] : fill;
        const p01 = in01 ? data[((iy + 1) * w + ix) * 3 + ch] : fill;
        const p11 = in11 ? data[((iy + 1) * w + ix + 1) * 3 + ch] : fill;
        const top = p00 + (p10 - p00) * fx;
        const bottom = p01 + (p11 - p01) * fx;
        out[o + ch] = top + (bottom - top) * fy + 0.5;
      }
    }
  }
  return { width: outW, height: outH, data: out };
}

/** Bilinear sample of one channel where some neighbours lie outside the image (they read as fill). */
function sampleEdge(img: RgbImage, ix: number, iy: number, fx: number, fy: number, ch: number, fill: number): number {
  const { width: w, height: h, data } = img;
  const at = (xx: number, yy: number) => (xx >= 0 && yy >= 0 && xx < w && yy < h ? data[(yy * w + xx) * 3 + ch] : fill);
  const p00 = at(ix, iy);
  const p10 = at(ix + 1, iy);
  const p01 = at(ix, iy + 1);
  const p11 = at(ix + 1, iy + 1);
  const top = p00 + (p10 - p00) * fx;
  const bottom = p01 + (p11 - p01) * fx;
  return top + (bottom - top) * fy;
}

/**
 * The axis-aligned case (letterbox, crop-and-resize): column and row interpolation terms are
 * computed once per column and once per row instead of per pixel.
 */
function axisAlignedToTensor(
  img: RgbImage, sxScale: number, sx0: number, syScale: number, sy0: number, outW: number, outH: number,
  fill: number, t: Float32Array, planes: [number, number, number], mean: number, inv: number,
): Float32Array {
  const { width: w, height: h, data } = img;
  const [pr, pg, pb] = planes;
  const fillV = (fill - mean) * inv;
  const xi = new Int32Array(outW);
  const xf = new Float64Array(outW);
  let interiorFrom = outW;
  let interiorTo = -1;
  for (let x = 0; x < outW; x++) {
    const sx = sxScale * x + sx0;
    xi[x] = Math.floor(sx);
    xf[x] = sx - xi[x];
    if (xi[x] >= 0 && xi[x] < w - 1) {
      if (x < interiorFrom) interiorFrom = x;
      interiorTo = x;
    }
  }
  const row = w * 3;
  for (let y = 0; y < outH; y++) {
    const sy = syScale * y + sy0;
    const iy = Math.floor(sy);
    const fy = sy - iy;
    const base = y * outW;
    if (iy < -1 || iy >= h) {
      t.fill(fillV, pr + base, pr + base + outW);
      t.fill(fillV, pg + base, pg + base + outW);
      t.fill(fillV, pb + base, pb + base + outW);
      continue;
    }
    const rowInside = iy >= 0 && iy < h - 1;
    for (let x = 0; x < outW; x++) {
      const o = base + x;
      const ix = xi[x];
      const fx = xf[x];
      if (rowInside && x >= interiorFrom && x <= interiorTo) {
        const p = iy * row + ix * 3;
        const w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
        t[pr + o] = (Math.floor(w00 * data[p] + w10 * data[p + 3] + w01 * data[p + row] + w11 * data[p + row + 3] + 0.5) - mean) * inv;
        t[pg + o] = (Math.floor(w00 * data[p + 1] + w10 * data[p + 4] + w01 * data[p + row + 1] + w11 * data[p + row + 4] + 0.5) - mean) * inv;
        t[pb + o] = (Math.floor(w00 * data[p + 2] + w10 * data[p + 5] + w01 * data[p + row + 2] + w11 * data[p + row + 5] + 0.5) - mean) * inv;
      } else if (ix < -1 || ix >= w) {
        t[pr + o] = t[pg + o] = t[pb + o] = fillV;
      } else {
        t[pr + o] = (Math.floor(sampleEdge(img, ix, iy, fx, fy, 0, fill) + 0.5) - mean) * inv;
        t[pg + o] = (Math.floor(sampleEdge(img, ix, iy, fx, fy, 1, fill) + 0.5) - mean) * inv;
        t[pb + o] = (Math.floor(sampleEdge(img, ix, iy, fx, fy, 2, fill) + 0.5) - mean) * inv;
      }
    }
  }
  return t;
}

/**
 * warpAffine straight into a planar (NCHW) float tensor, value = (pixel − mean) / std: one pass
 * and no intermediate image for the detector and liveness inputs.
 */
export function warpAffineToTensor(img: RgbImage, srcFromDst: Affine, outW: number, outH: number, fill: number, norm: TensorNorm): Float32Array {
  if (norm.channels === 'gray') return toTensor(warpAffine(img, srcFromDst, outW, outH, fill), norm);
  const { src, m } = prefilter(img, srcFromDst, outW, outH);
  const { width: w, height: h, data } = src;
  const [a, b, tx, c, d, ty] = m;
  const n = outW * outH;
  const t = new Float32Array(n * 3);
  const inv = 1 / norm.std;
  const mean = norm.mean;
  const fillV = (fill - mean) * inv;
  // Plane offsets for the source's R, G and B.
  const [pr, pg, pb] = norm.channels === 'rgb' ? [0, n, 2 * n] : [2 * n, n, 0];
  const row = w * 3;
  if (b === 0 && c === 0) return axisAlignedToTensor(src, a, tx, d, ty, outW, outH, fill, t, [pr, pg, pb], mean, inv);
  let o = 0;
  for (let y = 0; y < outH; y++) {
    const rx = b * y + tx;
    const ry = d * y + ty;
    for (let x = 0; x < outW; x++, o++) {
      const sx = a * x + rx;
      const sy = c * x + ry;
      const ix = Math.floor(sx);
      const iy = Math.floor(sy);
      const fx = sx - ix;
      const fy = sy - iy;
      let r: number, g: number, bl: number;
      if (ix >= 0 && iy >= 0 && ix < w - 1 && iy < h - 1) {
        const p = iy * row + ix * 3;
        const w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
        r = w00 * data[p] + w10 * data[p + 3] + w01 * data[p + row] + w11 * data[p + row + 3];
        g = w00 * data[p + 1] + w10 * data[p + 4] + w01 * data[p + row + 1] + w11 * data[p + row + 4];
        bl = w00 * data[p + 2] + w10 * data[p + 5] + w01 * data[p + row + 2] + w11 * data[p + row + 5];
      } else if (ix < -1 || iy < -1 || ix >= w || iy >= h) {
        t[pr + o] = t[pg + o] = t[pb + o] = fillV;
        continue;
      } else {
        r = sampleEdge(src, ix, iy, fx, fy, 0, fill);
        g = sampleEdge(src, ix, iy, fx, fy, 1, fill);
        bl = sampleEdge(src, ix, iy, fx, fy, 2, fill);
      }
      // Rounded to 8 bits like warpAffine, so both paths feed the models identical values.
      t[pr + o] = (Math.floor(r + 0.5) - mean) * inv;
      t[pg + o] = (Math.floor(g + 0.5) - mean) * inv;
      t[pb + o] = (Math.floor(bl + 0.5) - mean) * inv;
    }
  }
  return t;
}

/**
 * An image with an optional half-resolution copy (2×2 box filter), made once per image so that
 * the several strongly-shrinking crops (detector input, liveness context) read 4× fewer pixels.
 */
export class ImageLevels {
  private half?: RgbImage;

  constructor(readonly full: RgbImage) {}

  /** warpAffine from the cheapest level that still has enough resolution. */
  warp(srcFromDst: Affine, outW: number, outH: number, fill = 127): RgbImage {
    if (affineScale(srcFromDst) < 3 || Math.min(this.full.width, this.full.height) < 64) {
      return warpAffine(this.full, srcFromDst, outW, outH, fill);
    }
    this.half ??= boxDownscale(this.full, 0, 0, this.full.width, this.full.height, 2);
    // Half-level pixel j has its centre at full-level 2j + 0.5.
    const m = srcFromDst;
    return warpAffine(this.half, [m[0] / 2, m[1] / 2, (m[2] - 0.5) / 2, m[3] / 2, m[4] / 2, (m[5] - 0.5) / 2], outW, outH, fill);
  }

  /** As warp(), straight into a model input tensor. */
  warpToTensor(srcFromDst: Affine, outW: number, outH: number, fill: number, norm: TensorNorm): Float32Array {
    if (affineScale(srcFromDst) < 3 || Math.min(this.full.width, this.full.height) < 64) {
      return warpAffineToTensor(this.full, srcFromDst, outW, outH, fill, norm);
    }
    this.half ??= boxDownscale(this.full, 0, 0, this.full.width, this.full.height, 2);
    const m = srcFromDst;
    return warpAffineToTensor(this.half, [m[0] / 2, m[1] / 2, (m[2] - 0.5) / 2, m[3] / 2, m[4] / 2, (m[5] - 0.5) / 2], outW, outH, fill, norm);
  }
}

/** Maps an axis-aligned source rectangle onto an outW × outH output (pixel-centre convention). */
export function rectTransform(x: number, y: number, w: number, h: number, outW: number, outH: number): Affine {
  const sx = w / outW;
  const sy = h / outH;
  return [sx, 0, x + sx / 2 - 0.5, 0, sy, y + sy / 2 - 0.5];
}

export interface TensorNorm {
  channels: 'rgb' | 'bgr' | 'gray';
  mean: number;
  std: number;
}

/** Packs an image as a planar (NCHW) float tensor with value = (pixel − mean) / std. */
export function toTensor(img: RgbImage, norm: TensorNorm): Float32Array {
  const n = img.width * img.height;
  const d = img.data;
  const inv = 1 / norm.std;
  if (norm.channels === 'gray') {
    const t = new Float32Array(n);
    for (let i = 0; i < n; i++) t[i] = (grayAt(d, i * 3) - norm.mean) * inv;
    return t;
  }
  const t = new Float32Array(n * 3);
  const order = norm.channels === 'rgb' ? [0, 1, 2] : [2, 1, 0];
  for (let c = 0; c < 3; c++) {
    const sc = order[c];
    const base = c * n;
    for (let i = 0; i < n; i++) t[base + i] = (d[i * 3 + sc] - norm.mean) * inv;
  }
  return t;
}

function grayAt(d: Uint8Array, o: number): number {
  // ITU-R BT.601 luma, as OpenCV's RGB2GRAY.
  return Math.round(0.299 * d[o] + 0.587 * d[o + 1] + 0.114 * d[o + 2]);
}

export function toGray(img: RgbImage): Float32Array {
  const n = img.width * img.height;
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) g[i] = grayAt(img.data, i * 3);
  return g;
}

/** Variance of the 4-neighbour Laplacian of a grayscale plane (a standard sharpness measure). */
export function laplacianVariance(gray: Float32Array, w: number, h: number): number {
  let sum = 0, sumSq = 0, n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const v = gray[i - 1] + gray[i + 1] + gray[i - w] + gray[i + w] - 4 * gray[i];
      sum += v;
      sumSq += v * v;
      n++;
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

export function meanOf(values: Float32Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return values.length ? s / values.length : 0;
}
