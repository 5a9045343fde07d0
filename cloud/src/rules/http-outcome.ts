import { HttpException } from '@nestjs/common';

/** Turns a refused outcome into an HTTP error whose body carries the code and the reason. */
export function httpRefusal(status: number, r: { code: string; reason: string; rule?: string }): HttpException {
  return new HttpException({ statusCode: status, code: r.code, ...(r.rule ? { rule: r.rule } : {}), reason: r.reason, message: r.reason }, status);
}

/** Status of a booking-style refusal: scope → 403, unknown → 404, everything else → 409. */
export function refusalStatus(code: string): number {
  if (code === 'forbidden') return 403;
  if (code === 'not_found' || code === 'unknown_workstation') return 404;
  if (code === 'bad_slot' || code === 'bad_workstations' || code === 'reason_required') return 400;
  return 409;
}
