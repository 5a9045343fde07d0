/**
 * Quality gates with actionable codes. Each gate is a pure function of measurements so it can be
 * unit-tested; the thresholds are defaults a venue can tune.
 */
import type { Point } from './align';

export interface QualityThresholds {
  /** Minimum distance between eye centres, in source-image pixels. */
  minEyeDistancePx: number;
  /** Minimum Laplacian variance of the aligned 112×112 gray face. */
  minSharpness: number;
  /** Mean gray level of the aligned face must lie within [minBrightness, maxBrightness]. */
  minBrightness: number;
  maxBrightness: number;
  /** |yaw asymmetry| above this means the head is turned (0 frontal … 1 profile). */
  maxYawAsymmetry: number;
  /** Both eyes' open-probability below this means eyes closed. */
  minEyeOpen: number;
}

export const PROBE_QUALITY: QualityThresholds = {
  minEyeDistancePx: 20,
  minSharpness: 40,
  minBrightness: 45,
  maxBrightness: 215,
  maxYawAsymmetry: 0.5,
  minEyeOpen: 0.2,
};

/** The chip photo is tiny (102×126, eyes ≈ 25–30 px apart) and JPEG-soft: looser limits. */
export const REFERENCE_QUALITY: QualityThresholds = {
  minEyeDistancePx: 12,
  minSharpness: 10,
  minBrightness: 35,
  maxBrightness: 225,
  maxYawAsymmetry: 0.55,
  minEyeOpen: 0.05,
};

export interface QualityMeasurements {
  eyeDistancePx: number;
  sharpness: number;
  brightness: number;
  yawAsymmetry: number;
  /** Probability each eye is open, when an eye model ran. */
  eyeOpen?: [number, number];
}

export type QualityCode = 'face_too_small' | 'blurred' | 'too_dark' | 'too_bright' | 'head_turned' | 'eyes_closed';

export function qualityFindings(m: QualityMeasurements, t: QualityThresholds): QualityCode[] {
  const out: QualityCode[] = [];
  if (m.eyeDistancePx < t.minEyeDistancePx) out.push('face_too_small');
  if (m.sharpness < t.minSharpness) out.push('blurred');
  if (m.brightness < t.minBrightness) out.push('too_dark');
  if (m.brightness > t.maxBrightness) out.push('too_bright');
  if (Math.abs(m.yawAsymmetry) > t.maxYawAsymmetry) out.push('head_turned');
  if (m.eyeOpen && m.eyeOpen[0] < t.minEyeOpen && m.eyeOpen[1] < t.minEyeOpen) out.push('eyes_closed');
  return out;
}

const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);

/**
 * Yaw from landmark asymmetry: the nose tip (30) against the jaw's ends (0 and 16). Frontal faces
 * give ≈ 0; turning towards a profile drives it to ±1.
 */
export function yawAsymmetry(lm: readonly Point[]): number {
  const l = dist(lm[30], lm[0]);
  const r = dist(lm[30], lm[16]);
  return l + r > 0 ? (l - r) / (l + r) : 0;
}

/** Eye aspect ratio (Soukupová & Čech): ≈ 0.25–0.35 open, < 0.15 closed. Per eye, image-left first. */
export function eyeAspectRatios(lm: readonly Point[]): [number, number] {
  const ear = (i: number) =>
    (dist(lm[i + 1], lm[i + 5]) + dist(lm[i + 2], lm[i + 4])) / (2 * Math.max(1e-6, dist(lm[i], lm[i + 3])));
  return [ear(36), ear(42)];
}
