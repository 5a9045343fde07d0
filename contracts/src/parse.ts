import type { z } from 'zod';

/** Outcome of validating bytes that crossed a boundary (MQTT payload, HTTP body, file). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Parses a JSON payload and validates it; never throws. The reason is fit for a log line. */
export function parsePayload<S extends z.ZodType>(schema: S, payload: Buffer | string): Parsed<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
  return validate(schema, json);
}

export function validate<S extends z.ZodType>(schema: S, value: unknown): Parsed<z.infer<S>> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const reason = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
  return { ok: false, reason };
}
