import { toTensor, warpAffine, warpAffineToTensor, rectTransform, ImageLevels } from '../../src/face/imageops';
import type { Affine } from '../../src/face/align';
import type { RgbImage } from '../../src/face/image-types';

function noise(w: number, h: number, seed = 7): RgbImage {
  const data = new Uint8Array(w * h * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { width: w, height: h, data };
}

describe('image sampling', () => {
  const img = noise(301, 203);
  const transforms: [string, Affine, number, number][] = [
    ['enlarge with borders', [0.4, 0.1, -20, -0.1, 0.4, -10], 64, 48],
    ['shrink 3.2× (area pre-filter)', [3.2, 0, 0, 0, 3.2, -40], 96, 80],
    ['rotate, partly outside', [0.8, 0.6, 150, -0.6, 0.8, 40], 128, 128],
    ['axis-aligned letterbox with bands', [0.9, 0, -3.5, 0, 0.9, -40.25], 320, 240],
    ['axis-aligned shrink 2.5×', [2.5, 0, 0.75, 0, 2.5, -0.75], 120, 90],
  ];

  it.each(transforms)('fused crop-to-tensor equals crop then pack (%s)', (_n, m, w, h) => {
    for (const norm of [{ channels: 'rgb', mean: 127, std: 128 }, { channels: 'bgr', mean: 0, std: 1 }] as const) {
      const fused = warpAffineToTensor(img, m, w, h, 127, norm);
      const twoStep = toTensor(warpAffine(img, m, w, h, 127), norm);
      expect(fused.length).toBe(twoStep.length);
      let maxDiff = 0;
      for (let i = 0; i < fused.length; i++) maxDiff = Math.max(maxDiff, Math.abs(fused[i] - twoStep[i]));
      expect(maxDiff).toBeLessThan(1e-6);
    }
  });

  it('an identity crop reproduces the pixels and the fill lies outside', () => {
    const out = warpAffine(img, rectTransform(-2, 0, 10, 10, 10, 10), 10, 10, 9);
    expect(Array.from(out.data.slice(0, 3))).toEqual([9, 9, 9]);
    expect(Array.from(out.data.slice(6, 9))).toEqual(Array.from(img.data.slice(0, 3)));
  });

  it('the half-resolution level gives the same crop as the full image within rounding', () => {
    // A smooth image (period ≥ 40 px): both paths must agree on content that survives the shrink.
    const smooth: RgbImage = { width: 301, height: 203, data: new Uint8Array(301 * 203 * 3) };
    for (let y = 0; y < 203; y++) for (let x = 0; x < 301; x++) {
      const o = (y * 301 + x) * 3;
      smooth.data[o] = 128 + 100 * Math.sin(x / 7);
      smooth.data[o + 1] = 128 + 100 * Math.cos(y / 9);
      smooth.data[o + 2] = (x + y) % 256;
    }
    const img = smooth;
    const levels = new ImageLevels(img);
    const m = rectTransform(0, 0, 300, 200, 60, 40); // 5× shrink: served from the half level
    const viaHalf = levels.warp(m, 60, 40);
    const direct = warpAffine(img, m, 60, 40);
    let sum = 0;
    for (let i = 0; i < direct.data.length; i++) sum += Math.abs(direct.data[i] - viaHalf.data[i]);
    expect(sum / direct.data.length).toBeLessThan(3);
  });
});
