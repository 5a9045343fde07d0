import { z } from 'zod';

/**
 * Result of a 1:1 face check (live probe against the ID-card chip photo). Shared by the edge's
 * check-in, the `evalroom face verify` CLI and records. Never carries an image or a template.
 */
export const FaceCheckOutcome = z.enum([
  'match',
  'mismatch',
  'no_face',
  'multiple_faces',
  'quality_failed',
  'liveness_failed',
  'reference_unusable',
]);
export type FaceCheckOutcome = z.infer<typeof FaceCheckOutcome>;

export const FaceCheck = z
  .object({
    outcome: FaceCheckOutcome,
    match: z.boolean(),
    /** Cosine similarity of the two embeddings; null when no comparison was made. */
    score: z.number().nullable(),
    threshold: z.number(),
    /** Probability that the probe is a live face, when liveness ran. */
    liveness: z.number().optional(),
    /** Quality findings with actionable codes, e.g. face_too_small, too_dark, head_turned. */
    quality: z.array(z.string().max(40)).max(20),
    modelVersion: z.string().max(80),
    timingsMs: z.record(z.string(), z.number()),
  })
  .strict();
export type FaceCheck = z.infer<typeof FaceCheck>;

/** The port check-in uses. The implementation runs inference off the main event loop. */
export interface FaceVerifier {
  verify(input: { probe: Buffer; reference: Buffer }): Promise<FaceCheck>;
  close(): Promise<void>;
}

/** How pixels become a model input: value = (pixel − mean) / std, in the given channel order. */
export const FaceModelPreprocess = z
  .object({
    channels: z.enum(['rgb', 'bgr', 'gray']),
    mean: z.number(),
    std: z.number().positive(),
  })
  .strict();

const ModelFile = z
  .object({
    file: z.string().min(1).max(200),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    input: z.object({ name: z.string(), shape: z.array(z.number().int().positive()).length(4) }).strict(),
    preprocess: FaceModelPreprocess,
    /** What the outputs mean, for people swapping models. */
    outputMeaning: z.string().max(400),
  })
  .strict();

/**
 * The face model manifest (JSON): which ONNX files, pinned by SHA-256, how to feed them and how
 * to read them, and the calibrated threshold. A venue swaps in a licensed model by pointing
 * EdgeConfig.face.manifest / modelDir at its own manifest and files.
 */
export const FaceModelManifest = z
  .object({
    version: z.string().min(1).max(80),
    source: z.string().max(400).optional(),
    threshold: z.number().min(-1).max(1),
    models: z
      .object({
        detect: ModelFile.extend({
          outputs: z.object({ scores: z.string(), boxes: z.string() }).strict(),
          boxFormat: z.enum(['normalized_xyxy', 'ssd_priors']),
          priors: z
            .object({ minSizes: z.array(z.array(z.number())), steps: z.array(z.number()), variance: z.tuple([z.number(), z.number()]) })
            .strict()
            .optional(),
          scoreThreshold: z.number().min(0).max(1),
          nmsIou: z.number().min(0).max(1),
        }).strict(),
        landmark: ModelFile.extend({
          output: z.string(),
          points: z.literal(68),
          /** Crop = detection box scaled by this factor around its centre. */
          cropScale: z.number().positive(),
        }).strict(),
        embedding: ModelFile.extend({
          output: z.string(),
          dim: z.number().int().positive(),
          template: z.array(z.tuple([z.number(), z.number()])).length(5),
          alignment: z.enum(['similarity5', 'affine5', 'affine3', 'similarity2']),
          fivePoints: z.enum(['contour_mean', 'publisher']),
        }).strict(),
        liveness: ModelFile.extend({
          output: z.string(),
          cropScale: z.number().positive(),
          /** Index of the softmax output that means "live face". */
          liveIndex: z.number().int().min(0),
          threshold: z.number().min(0).max(1),
        })
          .strict()
          .optional(),
        eyes: ModelFile.extend({
          output: z.string(),
          /** Index of the softmax output that means "eye open". */
          openIndex: z.number().int().min(0),
        })
          .strict()
          .optional(),
      })
      .strict(),
  })
  .strict();
export type FaceModelManifest = z.infer<typeof FaceModelManifest>;
