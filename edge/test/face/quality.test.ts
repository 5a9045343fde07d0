import type { Point } from '../../src/face/align';
import { laplacianVariance, toGray, warpAffine, rectTransform } from '../../src/face/imageops';
import type { RgbImage } from '../../src/face/image-types';
import {
  eyeAspectRatios,
  PROBE_QUALITY,
  qualityFindings,
  yawAsymmetry,
  type QualityMeasurements,
} from '../../src/face/quality';

const good: QualityMeasurements = { eyeDistancePx: 60, sharpness: 300, brightness: 120, yawAsymmetry: 0.05, eyeOpen: [0.95, 0.9] };

/** A symmetric synthetic 68-point face; `turn` moves the nose towards one jaw end. */
function face(turn = 0, eyeOpening = 6): Point[] {
  const lm: Point[] = Array.from({ length: 68 }, () => [50, 50] as Point);
  for (let i = 0; i <= 16; i++) {
    const a = Math.PI * (i / 16);
    lm[i] = [50 - 40 * Math.cos(a), 50 + 40 * Math.sin(a)];
  }
  lm[30] = [50 + turn, 55];
  const eye = (start: number, cx: number) => {
    lm[start] = [cx - 10, 40];
    lm[start + 1] = [cx - 4, 40 - eyeOpening / 2];
    lm[start + 2] = [cx + 4, 40 - eyeOpening / 2];
    lm[start + 3] = [cx + 10, 40];
    lm[start + 4] = [cx + 4, 40 + eyeOpening / 2];
    lm[start + 5] = [cx - 4, 40 + eyeOpening / 2];
  };
  eye(36, 30);
  eye(42, 70);
  return lm;
}

function checker(size: number): RgbImage {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data.fill(((x >> 2) + (y >> 2)) % 2 ? 220 : 30, (y * size + x) * 3, (y * size + x) * 3 + 3);
  return { width: size, height: size, data };
}

describe('quality gates', () => {
  it('passes a good face', () => {
    expect(qualityFindings(good, PROBE_QUALITY)).toEqual([]);
  });

  it.each([
    ['face_too_small', { eyeDistancePx: 12 }],
    ['blurred', { sharpness: 5 }],
    ['too_dark', { brightness: 20 }],
    ['too_bright', { brightness: 240 }],
    ['head_turned', { yawAsymmetry: -0.7 }],
    ['eyes_closed', { eyeOpen: [0.01, 0.05] as [number, number] }],
  ])('flags %s', (code, change) => {
    expect(qualityFindings({ ...good, ...change }, PROBE_QUALITY)).toEqual([code]);
  });

  it('does not call eyes closed when one eye is open (a wink, glare on one lens)', () => {
    expect(qualityFindings({ ...good, eyeOpen: [0.01, 0.9] }, PROBE_QUALITY)).toEqual([]);
  });

  it('measures yaw from landmark asymmetry', () => {
    expect(Math.abs(yawAsymmetry(face(0)))).toBeLessThan(0.01);
    expect(yawAsymmetry(face(30))).toBeGreaterThan(PROBE_QUALITY.maxYawAsymmetry);
    expect(yawAsymmetry(face(-30))).toBeLessThan(-PROBE_QUALITY.maxYawAsymmetry);
  });

  it('measures eye opening from landmarks', () => {
    const [l, r] = eyeAspectRatios(face(0, 6));
    expect(l).toBeCloseTo(0.3, 5);
    expect(r).toBeCloseTo(0.3, 5);
    expect(eyeAspectRatios(face(0, 1))[0]).toBeLessThan(0.1);
  });

  it('sharpness (Laplacian variance) drops when an image is blurred', () => {
    const sharp = checker(112);
    // Shrinking 8× (area filter) then enlarging again is a strong blur.
    const small = warpAffine(sharp, rectTransform(0, 0, 112, 112, 14, 14), 14, 14);
    const blurred = warpAffine(small, rectTransform(0, 0, 14, 14, 112, 112), 112, 112);
    const vs = laplacianVariance(toGray(sharp), 112, 112);
    const vb = laplacianVariance(toGray(blurred), 112, 112);
    expect(vs).toBeGreaterThan(PROBE_QUALITY.minSharpness);
    expect(vb).toBeLessThan(vs / 10);
  });
});
