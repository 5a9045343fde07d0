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
