import { ActorRole, checkInOpen, hasStarted, SessionStatus } from '../lifecycle/transitions';
import { DrawAssignment, DrawParams, EligibleVenue } from './draw';

export interface Viewer {
  readonly userId: string;
  readonly role: ActorRole;
  /** Venues the user works for (venue staff) or supervises. */
  readonly venueIds: readonly string[];
}

export interface StoredDraw {
  readonly id: string;
  readonly sessionId: string;
  readonly mainVenueId: string;
  readonly commitment: string;
  readonly inputDigest: string;
  readonly createdAt: string;
  readonly seedHex: string;
  readonly revealedAt: string | null;
  readonly eligible: readonly EligibleVenue[];
  readonly params: DrawParams;
  readonly assignments: readonly DrawAssignment[];
}

/** What a viewer may see of a draw. Absent fields are sealed for this viewer. */
export interface DrawView {
  readonly id: string;
  readonly sessionId: string;
  readonly commitment: string;
  readonly inputDigest: string;
  readonly createdAt: string;
  readonly revealedAt: string | null;
  readonly seed?: string;
  readonly eligible?: readonly EligibleVenue[];
  readonly params?: DrawParams;
  readonly assignments?: readonly DrawAssignment[];
  /** A sub-venue's own share: the seats it must prepare. */
  readonly ownSeats?: readonly DrawAssignment[];
}

/** Roles that run dispatch or supervise and see the sub-venues throughout (H6, LS8). */
const SEE_ALL: readonly ActorRole[] = ['supervisor', 'central_ops'];

/**
 * The sealing policy ("两随机、四不知"): the commitment is public; the seed and the inputs only
 * after the reveal; the sub-venues only to dispatch and supervision before the session starts,
 * to the main venue once it has started, and to each sub-venue only its own share.
 */
export function viewDraw(draw: StoredDraw, viewer: Viewer, status: SessionStatus): DrawView {
  const base: DrawView = {
    id: draw.id,
    sessionId: draw.sessionId,
    commitment: draw.commitment,
    inputDigest: draw.inputDigest,
    createdAt: draw.createdAt,
    revealedAt: draw.revealedAt,
  };
  const revealed = draw.revealedAt !== null ? { seed: draw.seedHex, eligible: draw.eligible, params: draw.params } : {};
  if (SEE_ALL.includes(viewer.role)) return { ...base, ...revealed, assignments: draw.assignments };
  if (viewer.role !== 'venue_staff') return { ...base, ...revealed };
  const isMain = viewer.venueIds.includes(draw.mainVenueId);
  if (isMain && hasStarted(status)) return { ...base, ...revealed, assignments: draw.assignments };
  const own = draw.assignments.filter((a) => viewer.venueIds.includes(a.venueId));
  return own.length > 0 ? { ...base, ...revealed, ownSeats: own } : { ...base, ...revealed };
}

export interface ExpertSeat {
  readonly venueId: string;
  /** Set when the expert passed the identity check at this venue's door. */
  readonly checkedInAt: string | null;
}

/**
 * May this viewer see an expert's identity? Supervisors may; a venue's staff only for experts at
 * their venue, once check-in is open and the expert passed identity check; nobody else.
 */
export function maySeeExpert(viewer: Viewer, expert: ExpertSeat, status: SessionStatus): boolean {
  if (viewer.role === 'supervisor') return true;
  if (viewer.role !== 'venue_staff') return false;
  return viewer.venueIds.includes(expert.venueId) && checkInOpen(status) && expert.checkedInAt !== null;
}
