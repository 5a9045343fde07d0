import {
  applyAffine,
  alignmentTransform,
  ARCFACE_TEMPLATE_112,
  estimateAffine,
  estimateSimilarity,
  fivePointsFrom68,
  invertAffine,
  type Affine,
  type Point,
} from '../../src/face/align';

const close = (a: number, b: number, eps = 1e-6) => expect(Math.abs(a - b)).toBeLessThan(eps);

function similarity(scale: number, angle: number, tx: number, ty: number): Affine {
  const a = scale * Math.cos(angle);
  const b = scale * Math.sin(angle);
  return [a, -b, tx, b, a, ty];
}

describe('alignment math', () => {
  const src: Point[] = [[100, 120], [160, 118], [131, 160], [108, 195], [155, 193]];

  it('recovers a known similarity transform exactly from 5 points', () => {
    const truth = similarity(0.7, 0.3, -20, 14);
    const dst = src.map((p) => applyAffine(truth, p));
    const m = estimateSimilarity(src, dst);
    truth.forEach((v, i) => close(m[i], v));
  });

  it('recovers a known affine transform (with shear) from 5 points; similarity cannot', () => {
    const truth: Affine = [0.8, 0.25, 5, -0.1, 1.1, -7];
    const dst = src.map((p) => applyAffine(truth, p));
    const m = estimateAffine(src, dst);
    truth.forEach((v, i) => close(m[i], v));
    const s = estimateSimilarity(src, dst);
    const residual = src.reduce((acc, p, i) => acc + Math.hypot(...(applyAffine(s, p).map((v, k) => v - dst[i][k]) as [number, number])), 0);
    expect(residual).toBeGreaterThan(1);
  });

  it('similarity is the least-squares fit under noise (no reflection, uniform scale)', () => {
    const truth = similarity(0.5, -0.2, 10, 3);
    const noisy = src.map((p, i) => {
      const q = applyAffine(truth, p);
      return [q[0] + (i % 2 ? 0.3 : -0.3), q[1] + (i % 3 ? 0.2 : -0.2)] as Point;
    });
    const m = estimateSimilarity(src, noisy);
    close(m[0], m[4], 1e-12);
    close(m[1], -m[3], 1e-12);
    close(Math.hypot(m[0], m[3]), 0.5, 0.01);
  });

  it('inverts affine matrices', () => {
    const m: Affine = [0.8, 0.25, 5, -0.1, 1.1, -7];
    const inv = invertAffine(m);
    for (const p of src) {
      const back = applyAffine(inv, applyAffine(m, p));
      close(back[0], p[0], 1e-9);
      close(back[1], p[1], 1e-9);
    }
    expect(() => invertAffine([1, 2, 0, 2, 4, 0])).toThrow(/singular/);
  });

  it('maps the template onto itself with every method', () => {
    for (const method of ['similarity5', 'affine5', 'affine3', 'similarity2'] as const) {
      const m = alignmentTransform(method, ARCFACE_TEMPLATE_112, ARCFACE_TEMPLATE_112);
      [1, 0, 0, 0, 1, 0].forEach((v, i) => close(m[i], v, 1e-9));
    }
  });

  it('reduces 68 landmarks to eye centres, nose tip and mouth corners', () => {
    const lm: Point[] = Array.from({ length: 68 }, (_, i) => [i, 2 * i] as Point);
    const five = fivePointsFrom68(lm);
    expect(five[0]).toEqual([38.5, 77]); // mean of 36..41
    expect(five[1]).toEqual([44.5, 89]); // mean of 42..47
    expect(five[2]).toEqual([30, 60]);
    expect(five[3]).toEqual([48, 96]);
    expect(five[4]).toEqual([54, 108]);
    expect(() => fivePointsFrom68(lm.slice(0, 5))).toThrow(/68/);
  });
});
