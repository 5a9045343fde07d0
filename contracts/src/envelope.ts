import { z } from 'zod';

/**
 * Request/response over MQTT: the caller publishes a request carrying a `transaction` id and
 * waits for the reply with the same id in the `{status, data, error}` envelope.
 */
export const ErrorCode = z.enum([
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'timeout',
  'device_error',
  'unavailable',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({ code: ErrorCode, message: z.string() }).strict();
export type ErrorBody = z.infer<typeof ErrorBody>;

export const TransactionId = z.string().min(1).max(64);

export const RequestEnvelope = z
  .object({
    transaction: TransactionId,
    command: z.string().min(1).max(64),
    params: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type RequestEnvelope = z.infer<typeof RequestEnvelope>;

export const ResponseEnvelope = z.discriminatedUnion('status', [
  z.object({ transaction: TransactionId, status: z.literal('ok'), data: z.unknown() }).strict(),
  z.object({ transaction: TransactionId, status: z.literal('error'), error: ErrorBody }).strict(),
]);
export type ResponseEnvelope = z.infer<typeof ResponseEnvelope>;

export function okResponse(transaction: string, data: unknown): ResponseEnvelope {
  return { transaction, status: 'ok', data };
}

export function errorResponse(transaction: string, code: ErrorCode, message: string): ResponseEnvelope {
  return { transaction, status: 'error', error: { code, message } };
}
