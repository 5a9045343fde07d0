import type { ApiRole } from '@evalroom/contracts';

/** Who is calling, resolved from the bearer token by AuthGuard. */
export interface Caller {
  /** Token id ('bootstrap-admin' for EVALROOM_ADMIN_TOKEN); used as the audit actor. */
  tokenId: string;
  role: ApiRole;
  /** Venues the caller acts for (venue_staff, technician). */
  venueIds: string[];
  /** Region code prefix the caller oversees (central_ops, supervisor, or a wider technician). */
  jurisdiction?: string;
  /** Supervision department (supervisor). */
  department?: string;
}
