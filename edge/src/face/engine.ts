/**
 * The in-thread face engine: decode → detect → choose the face → 68 landmarks → align → embed,
 * plus liveness and quality gates. Runs onnxruntime synchronously-awaited in whatever thread
 * constructs it; production code uses it inside the worker (see verifier.ts). Images, crops and
 * embeddings exist only in local variables for one call.
 */
import './ort-env'; // must precede onnxruntime-node: disables its telemetry
import * as ort from 'onnxruntime-node';
import type { FaceCheck, FaceModelManifest } from '@evalroom/contracts';
import {
  alignmentTransform,
  applyAffine,
  fivePointsFrom68,
  fivePointsFrom68Publisher,
  invertAffine,
  type AlignmentMethod,
  type Point,
} from './align';
import { decodeImage, DEFAULT_DECODE_LIMITS, type DecodeLimits } from './decode';
import { boxesToImage, boxHeight, boxWidth, chooseFace, decodeBoxes, letterbox, nms, priorBoxes, type Box } from './detect';
import type { RgbImage } from './image-types';
import { ImageLevels, laplacianVariance, meanOf, rectTransform, toGray, toTensor, warpAffine } from './imageops';
import { defaultManifestPath, defaultModelDir, loadManifest, readModelFiles } from './manifest';
import {
  PROBE_QUALITY,
  qualityFindings,
  REFERENCE_QUALITY,
  yawAsymmetry,
  type QualityCode,
  type QualityMeasurements,
  type QualityThresholds,
} from './quality';

export interface FaceEngineOptions {
  modelDir?: string;
  manifestPath?: string;
  /** Overrides the manifest's threshold. */
  threshold?: number;
  livenessRequired?: boolean;
  intraOpThreads?: number;
  limits?: DecodeLimits;
  /** Overrides for experiments (the dev-set alignment study); production uses the manifest. */
  alignment?: AlignmentMethod;
  fivePoints?: 'contour_mean' | 'publisher';
}

export type FaceRole = 'probe' | 'reference';

export interface FaceAnalysis {
  status: 'ok' | 'no_face' | 'multiple_faces';
  faces: number;
  box?: Box;
  landmarks?: Point[];
  embedding?: Float32Array;
  liveness?: number;
  quality: (QualityCode | 'no_face')[];
  measurements?: QualityMeasurements;
  timingsMs: Record<string, number>;
}

const now = () => performance.now();
const round = (v: number) => Math.round(v * 100) / 100;

export class FaceEngine {
  readonly threshold: number;
  readonly modelVersion: string;
  readonly livenessRequired: boolean;
  private readonly limits: DecodeLimits;
  private readonly alignment: AlignmentMethod;
  private readonly fivePoints: 'contour_mean' | 'publisher';
  private readonly priors?: Float32Array;
  /** Pseudo-random (not image) inputs for bareInference, made once. */
  private readonly syntheticInputs = new Map<string, Float32Array>();

  private constructor(
    readonly manifest: FaceModelManifest,
    private readonly sessions: Record<string, ort.InferenceSession>,
    opts: FaceEngineOptions,
  ) {
    this.threshold = opts.threshold ?? manifest.threshold;
    this.modelVersion = manifest.version;
    this.livenessRequired = opts.livenessRequired ?? true;
    this.limits = opts.limits ?? DEFAULT_DECODE_LIMITS;
    this.alignment = opts.alignment ?? manifest.models.embedding.alignment;
    this.fivePoints = opts.fivePoints ?? manifest.models.embedding.fivePoints;
    const d = manifest.models.detect;
    if (d.boxFormat === 'ssd_priors') {
      if (!d.priors) throw new Error('manifest: detect.boxFormat ssd_priors needs detect.priors');
      this.priors = priorBoxes(d.input.shape[3], d.input.shape[2], d.priors);
    }
  }

  static async create(opts: FaceEngineOptions = {}): Promise<FaceEngine> {
    const manifest = loadManifest(opts.manifestPath ?? defaultManifestPath());
    if (opts.livenessRequired !== false && !manifest.models.liveness) {
      throw new Error('liveness is required but the face model manifest has no liveness model');
    }
    const files = readModelFiles(manifest, opts.modelDir ?? defaultModelDir());
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: opts.intraOpThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    };
    const sessions: Record<string, ort.InferenceSession> = {};
    for (const [role, bytes] of Object.entries(files)) {
      sessions[role] = await ort.InferenceSession.create(bytes, sessionOptions);
    }
    return new FaceEngine(manifest, sessions, opts);
  }

  async close(): Promise<void> {
    for (const s of Object.values(this.sessions)) await s.release();
  }

  /** Runs one model on one tensor and returns the named output's data. */
  private async run(role: string, data: Float32Array, outputName: string): Promise<Float32Array> {
    const m = this.manifest.models[role as keyof FaceModelManifest['models']]!;
    const t = new ort.Tensor('float32', data, m.input.shape);
    const out = await this.sessions[role].run({ [m.input.name]: t });
    return out[outputName].data as Float32Array;
  }

  /**
   * Bare model inference: exactly the model runs one verify makes (detect, landmarks, embedding
   * for both images; liveness and two eye crops for the probe) on pseudo-random pixels in each
   * model's input range, without decoding, cropping or post-processing. The bench's baseline for
   * the pipeline's overhead. (Constant inputs would understate it: the embedding network runs
   * ≈ 30 % faster on a flat image than on a face or on noise.)
   */
  async bareInference(): Promise<void> {
    const runs: string[] = ['detect', 'landmark', 'embedding', 'detect', 'landmark', 'embedding'];
    if (this.manifest.models.liveness) runs.push('liveness');
    if (this.manifest.models.eyes) runs.push('eyes', 'eyes');
    for (const role of runs) {
      const m = this.manifest.models[role as keyof FaceModelManifest['models']]!;
      let data = this.syntheticInputs.get(role);
      if (!data) {
        data = new Float32Array(m.input.shape.reduce((a, b) => a * b, 1));
        let state = 12345;
        for (let i = 0; i < data.length; i++) {
          state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
          data[i] = ((state >>> 24) - m.preprocess.mean) / m.preprocess.std;
        }
        this.syntheticInputs.set(role, data);
      }
      await this.sessions[role].run({ [m.input.name]: new ort.Tensor('float32', data, m.input.shape) });
    }
  }

  async detect(image: RgbImage | ImageLevels, role: FaceRole): Promise<Box[]> {
    const levels = image instanceof ImageLevels ? image : new ImageLevels(image);
    const img = levels.full;
    const d = this.manifest.models.detect;
    const [, , ih, iw] = d.input.shape;
    // Tiny images (the 102×126 chip photo, whose face fills the frame) get a margin so the face
    // is not cut by the input border and lands in the detector's anchor range.
    const small = Math.max(img.width, img.height) < 400 || role === 'reference';
    const pad = small ? 0.3 : 0;
    const rx = -pad * img.width;
    const ry = -pad * img.height;
    const m = letterbox(rx, ry, img.width * (1 + 2 * pad), img.height * (1 + 2 * pad), iw, ih);
    const t = levels.warpToTensor(m, iw, ih, 127, d.preprocess);
    const sess = this.sessions.detect;
    const out = await sess.run({ [d.input.name]: new ort.Tensor('float32', t, d.input.shape) });
    const scores = out[d.outputs.scores].data as Float32Array;
    const raw = out[d.outputs.boxes].data as Float32Array;
    const boxes = decodeBoxes(raw, scores, d.scoreThreshold, d.boxFormat, this.priors, d.priors?.variance);
    // Box corners sit on pixel edges: input edge coordinate u maps to image coordinate m(u − 0.5) + 0.5.
    const edge: typeof m = [m[0], 0, m[2] + 0.5 - 0.5 * m[0], 0, m[4], m[5] + 0.5 - 0.5 * m[4]];
    return nms(boxesToImage(boxes, iw, ih, edge), d.nmsIou).filter((b) => boxWidth(b) > 4 && boxHeight(b) > 4);
  }

  async landmarks(image: RgbImage | ImageLevels, box: Box): Promise<Point[]> {
    const levels = image instanceof ImageLevels ? image : new ImageLevels(image);
    const l = this.manifest.models.landmark;
    const [, , h, w] = l.input.shape;
    const bw = boxWidth(box) * l.cropScale;
    const bh = boxHeight(box) * l.cropScale;
    const x = (box.x1 + box.x2) / 2 - bw / 2;
    const y = (box.y1 + box.y2) / 2 - bh / 2;
    const crop = levels.warp(rectTransform(x, y, bw, bh, w, h), w, h, 0);
    const out = await this.run('landmark', toTensor(crop, l.preprocess), l.output);
    const pts: Point[] = [];
    for (let i = 0; i < 68; i++) pts.push([x + out[i * 2] * bw, y + out[i * 2 + 1] * bh]);
    return pts;
  }

  /** The 112×112 aligned face (RGB) for the embedding model. */
  alignedFace(img: RgbImage, lm: readonly Point[]): RgbImage {
    const e = this.manifest.models.embedding;
    const five = this.fivePoints === 'publisher' ? fivePointsFrom68Publisher(lm) : fivePointsFrom68(lm);
    const toTemplate = alignmentTransform(this.alignment, five, e.template as Point[]);
    const [, , h, w] = e.input.shape;
    return warpAffine(img, invertAffine(toTemplate), w, h, 0);
  }

  async embed(aligned: RgbImage): Promise<Float32Array> {
    const e = this.manifest.models.embedding;
    const v = await this.run('embedding', toTensor(aligned, e.preprocess), e.output);
    let n = 0;
    for (let i = 0; i < v.length; i++) n += v[i] * v[i];
    n = Math.sqrt(n) || 1;
    const out = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = v[i] / n;
    return out;
  }

  /** Probability that the face is live (softmax[liveIndex]), on the publisher's 2.7× context crop. */
  async liveness(image: RgbImage | ImageLevels, box: Box): Promise<number | undefined> {
    const levels = image instanceof ImageLevels ? image : new ImageLevels(image);
    const img = levels.full;
    const l = this.manifest.models.liveness;
    if (!l) return undefined;
    const [, , h, w] = l.input.shape;
    const bw = boxWidth(box);
    const bh = boxHeight(box);
    // As the publisher: scale the box by up to cropScale, but keep the crop inside the image.
    const s = Math.min((img.height - 1) / bh, (img.width - 1) / bw, l.cropScale);
    const nw = bw * s;
    const nh = bh * s;
    let x = (box.x1 + box.x2) / 2 - nw / 2;
    let y = (box.y1 + box.y2) / 2 - nh / 2;
    x = Math.min(Math.max(0, x), img.width - 1 - nw);
    y = Math.min(Math.max(0, y), img.height - 1 - nh);
    const logits = await this.run('liveness', levels.warpToTensor(rectTransform(x, y, nw, nh, w, h), w, h, 0, l.preprocess), l.output);
    return softmax(logits)[l.liveIndex];
  }

  /** Probability each eye is open (image-left first), from the eye-state model on 24×24 crops. */
  async eyesOpen(img: RgbImage, lm: readonly Point[]): Promise<[number, number] | undefined> {
    const e = this.manifest.models.eyes;
    if (!e) return undefined;
    const [, , h, w] = e.input.shape;
    const res: number[] = [];
    for (const start of [36, 42]) {
      const pts = lm.slice(start, start + 6);
      const cx = (pts[1][0] + pts[2][0] + pts[4][0] + pts[5][0]) / 4;
      const cy = (pts[1][1] + pts[2][1] + pts[4][1] + pts[5][1]) / 4;
      const size = Math.max(2, (pts[3][0] - pts[0][0]) * 1.6);
      const crop = warpAffine(img, rectTransform(cx - size / 2, cy - size / 2, size, size, w, h), w, h, 0);
      const logits = await this.run('eyes', toTensor(crop, e.preprocess), e.output);
      res.push(softmax(logits)[e.openIndex]);
    }
    return [res[0], res[1]];
  }

  /** Everything about one image: the chosen face, its quality, embedding and (probe) liveness. */
  async analyzeImage(img: RgbImage, role: FaceRole, timings: Record<string, number> = {}): Promise<FaceAnalysis> {
    const levels = new ImageLevels(img);
    let t = now();
    const boxes = await this.detect(levels, role);
    timings[`${role}.detect`] = round(now() - t);
    const choice = chooseFace(boxes, img.width, img.height);
    if (choice.kind === 'none') return { status: 'no_face', faces: 0, quality: ['no_face'], timingsMs: timings };
    if (choice.kind === 'multiple') {
      return { status: 'multiple_faces', faces: choice.faces.length, quality: [], timingsMs: timings };
    }
    const box = choice.face;
    t = now();
    const lm = await this.landmarks(levels, box);
    timings[`${role}.landmarks`] = round(now() - t);
    t = now();
    const aligned = this.alignedFace(img, lm);
    const gray = toGray(aligned);
    const five = fivePointsFrom68(lm);
    const measurements: QualityMeasurements = {
      eyeDistancePx: Math.hypot(five[1][0] - five[0][0], five[1][1] - five[0][1]),
      sharpness: laplacianVariance(gray, aligned.width, aligned.height),
      brightness: meanOf(gray),
      yawAsymmetry: yawAsymmetry(lm),
      eyeOpen: role === 'probe' ? await this.eyesOpen(img, lm) : undefined,
    };
    timings[`${role}.quality`] = round(now() - t);
    t = now();
    const embedding = await this.embed(aligned);
    timings[`${role}.embed`] = round(now() - t);
    let liveness: number | undefined;
    if (role === 'probe' && this.manifest.models.liveness) {
      t = now();
      liveness = await this.liveness(levels, box);
      timings[`${role}.liveness`] = round(now() - t);
    }
    const thresholds: QualityThresholds = role === 'probe' ? PROBE_QUALITY : REFERENCE_QUALITY;
    return {
      status: 'ok',
      faces: 1 + choice.others.length,
      box,
      landmarks: lm,
      embedding,
      liveness,
      quality: qualityFindings(measurements, thresholds),
      measurements,
      timingsMs: timings,
    };
  }

  private async decodeTimed(buf: Buffer, role: FaceRole, timings: Record<string, number>): Promise<RgbImage> {
    const t = now();
    const img = await decodeImage(buf, this.limits).catch((err: unknown) => {
      if (err && typeof err === 'object') (err as { role?: FaceRole }).role = role;
      throw err;
    });
    timings[`${role}.decode`] = round(now() - t);
    return img;
  }

  async analyze(buf: Buffer, role: FaceRole, timings: Record<string, number> = {}): Promise<FaceAnalysis> {
    return this.analyzeImage(await this.decodeTimed(buf, role, timings), role, timings);
  }

  /** The 1:1 check. Throws FaceInputError (with .role) when either input is not a usable image. */
  async verify(input: { probe: Buffer; reference: Buffer }): Promise<FaceCheck> {
    const t0 = now();
    const timings: Record<string, number> = {};
    // The probe (a full camera frame) decodes on libuv's pool while this thread runs the
    // reference (a tiny chip photo) through the models.
    const probeImage = this.decodeTimed(input.probe, 'probe', timings);
    probeImage.catch(() => undefined); // handled below; avoids an unhandled rejection meanwhile
    let reference: FaceAnalysis;
    try {
      reference = await this.analyze(input.reference, 'reference', timings);
    } catch (err) {
      await probeImage.catch(() => undefined);
      throw err;
    }
    const probe = await this.analyzeImage(await probeImage, 'probe', timings);
    return this.decide(probe, reference, timings, t0);
  }

  decide(probe: FaceAnalysis, reference: FaceAnalysis, timings: Record<string, number>, t0 = now()): FaceCheck {
    const base = { threshold: this.threshold, modelVersion: this.modelVersion };
    const finish = (check: Omit<FaceCheck, 'threshold' | 'modelVersion' | 'timingsMs'>): FaceCheck => ({
      ...check,
      ...base,
      timingsMs: { ...timings, total: round(now() - t0) },
    });
    if (probe.status === 'no_face') return finish({ outcome: 'no_face', match: false, score: null, quality: ['no_face'] });
    if (probe.status === 'multiple_faces') {
      return finish({ outcome: 'multiple_faces', match: false, score: null, quality: ['multiple_faces'] });
    }
    const refQuality = reference.quality.map((q) => `reference_${q}`);
    if (reference.status !== 'ok') {
      return finish({
        outcome: 'reference_unusable',
        match: false,
        score: null,
        quality: [reference.status === 'no_face' ? 'reference_no_face' : 'reference_multiple_faces'],
        liveness: probe.liveness,
      });
    }
    const score = round4(cosine(probe.embedding!, reference.embedding!));
    const quality = [...probe.quality, ...refQuality];
    const liveThreshold = this.manifest.models.liveness?.threshold ?? 0.5;
    const liveness = probe.liveness === undefined ? undefined : round4(probe.liveness);
    if (probe.quality.length > 0) return finish({ outcome: 'quality_failed', match: false, score, quality, liveness });
    if (this.livenessRequired && (probe.liveness === undefined || probe.liveness < liveThreshold)) {
      return finish({ outcome: 'liveness_failed', match: false, score, quality: [...quality, 'liveness_low'], liveness });
    }
    const match = score >= this.threshold;
    return finish({ outcome: match ? 'match' : 'mismatch', match, score, quality, liveness });
  }
}

const round4 = (v: number) => Math.round(v * 10000) / 10000;

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / (Math.sqrt(na * nb) || 1);
}

export function softmax(v: Float32Array | number[]): number[] {
  const max = Math.max(...v);
  const e = Array.from(v, (x) => Math.exp(x - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}
