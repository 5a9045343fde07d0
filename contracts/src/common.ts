import { z } from 'zod';

/** Identifiers used in topics: no MQTT wildcards or separators, bounded length. */
export const TopicId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - only');
export type TopicId = z.infer<typeof TopicId>;

/** ISO-8601 instant with offset, e.g. 2026-11-21T08:30:00.000Z */
export const Instant = z.iso.datetime({ offset: true });
export type Instant = z.infer<typeof Instant>;

export const Sequence = z.number().int().nonnegative();

/** Images cross MQTT as base64; bounded so a message can never exhaust memory. */
export const MAX_IMAGE_BYTES = 4 * 1024 * 1024;
export const Base64Image = z
  .string()
  .min(4)
  .max(Math.ceil((MAX_IMAGE_BYTES * 4) / 3) + 4)
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64');
