import type { Caller } from './caller';

/** Pure scope checks; callers load the venue's region code from the directory. */
export function canSeeVenue(caller: Caller, venue: { id: string; regionCode: string }): boolean {
  if (caller.role === 'admin') return true;
  if (caller.venueIds.includes(venue.id)) return true;
  return !!caller.jurisdiction && venue.regionCode.startsWith(caller.jurisdiction);
}

/** A supervisor sees the sessions their department supervises (and nothing else). */
export function supervisesSession(caller: Caller, session: { supervisingDepartment: string | null }): boolean {
  return caller.role === 'supervisor' && !!caller.department && caller.department === session.supervisingDepartment;
}
