import type { Caller } from '../auth/caller';
import { canSeeVenue, supervisesSession } from '../auth/scope';

interface Entry {
  venueId: string;
  regionCode: string;
}

/**
 * Who sees what of a session ("两随机、四不知"). Pure; the service applies it.
 * - Before the start the assignments are sealed: only admin sees which rooms hold whom (refs only).
 * - Identities (name, ID number): never before the start, except venue staff for an expert who
 *   passed identity check at their own door; after the start admin and the supervising
 *   department see all, venue staff only those admitted at their door; central ops never.
 * - Venue staff and jurisdiction-scoped central ops see only the rooms of their own venues/region,
 *   so a main venue does not learn the sub-venues.
 */
export interface IdentityPolicy {
  sealed: boolean;
  assignmentsVisible: boolean;
  roomVisible(e: Entry): boolean;
  entryVisible(e: Entry, admitted: boolean): boolean;
  identityVisible(e: Entry, admitted: boolean): boolean;
}

export function identityPolicy(caller: Caller, s: { startsAt: Date; supervisingDepartment: string | null }, now: Date): IdentityPolicy {
  const started = now.getTime() >= new Date(s.startsAt).getTime();
  const sealed = !started;
  const ownRoom = (e: Entry) => canSeeVenue(caller, { id: e.venueId, regionCode: e.regionCode });
  switch (caller.role) {
    case 'admin':
      return { sealed, assignmentsVisible: true, roomVisible: () => true, entryVisible: () => true, identityVisible: () => started };
    case 'supervisor': {
      const ok = supervisesSession(caller, s);
      return { sealed, assignmentsVisible: ok && started, roomVisible: () => ok && started, entryVisible: () => ok && started, identityVisible: () => ok && started };
    }
    case 'central_ops': {
      const unscoped = !caller.jurisdiction && caller.venueIds.length === 0;
      const room = (e: Entry) => started && (unscoped || ownRoom(e));
      return { sealed, assignmentsVisible: started, roomVisible: room, entryVisible: room, identityVisible: () => false };
    }
    case 'venue_staff':
      return {
        sealed,
        assignmentsVisible: started,
        roomVisible: ownRoom,
        entryVisible: (e, admitted) => ownRoom(e) && (started || admitted),
        identityVisible: (e, admitted) => ownRoom(e) && admitted,
      };
    default:
      return { sealed, assignmentsVisible: false, roomVisible: () => false, entryVisible: () => false, identityVisible: () => false };
  }
}
