import { z } from 'zod';

/** Every way a check-in at the door can end. Only the two `admitted*` outcomes open the gate. */
export const CheckinOutcome = z.enum([
  'admitted',
  'admitted_by_staff',
  'unknown_card',
  'invalid_card',
  'card_expired',
  'wrong_room',
  'outside_window',
  'already_checked_in',
  'card_removed',
  'no_face',
  'multiple_faces',
  'quality_failed',
  'liveness_failed',
  'face_mismatch',
  'capture_failed',
  'timeout',
  'device_error',
]);
export type CheckinOutcome = z.infer<typeof CheckinOutcome>;

export const ADMITTING_OUTCOMES: ReadonlySet<CheckinOutcome> = new Set(['admitted', 'admitted_by_staff']);

/** What the face check contributes to a record: never an image or a template. */
export const FaceDecisionRecord = z
  .object({
    match: z.boolean(),
    score: z.number(),
    threshold: z.number(),
    liveness: z.number().optional(),
    quality: z.array(z.string().max(40)).max(20).default([]),
    modelVersion: z.string().max(80),
  })
  .strict();
export type FaceDecisionRecord = z.infer<typeof FaceDecisionRecord>;

export const StaffOverride = z
  .object({
    staffId: z.string().min(1).max(64),
    reason: z.string().min(3).max(500),
  })
  .strict();
export type StaffOverride = z.infer<typeof StaffOverride>;
