import type { Caller } from '../auth/caller';

/**
 * The region (GB/T 2260 prefix) a caller may query: admin any (default: all), others only
 * inside their jurisdiction (default: the jurisdiction itself); null when not allowed.
 */
export function regionFor(caller: Caller, region: string | undefined): string | null {
  if (caller.role === 'admin') return region ?? '';
  const j = caller.jurisdiction;
  if (!j) return null;
  const r = region ?? j;
  return r.startsWith(j) ? r : null;
}
