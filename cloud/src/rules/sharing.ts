/** L9: ≥ 20 % of a region's workstations shared; a venue with fewer than 5 rooms shares ≥ 1 room. */
export const SHARED_WORKSTATION_RATIO = 0.2;
export const SMALL_VENUE_ROOMS = 5;

export interface DirectoryRoom {
  readonly roomId: string;
  readonly workstations: readonly { readonly id: string; readonly shared: boolean }[];
}

export interface DirectoryVenue {
  readonly venueId: string;
  readonly name: string;
  readonly province: string;
  readonly city: string;
  readonly county?: string | null;
  readonly rooms: readonly DirectoryRoom[];
}

export interface VenueQuota {
  readonly venueId: string;
  readonly name: string;
  readonly region: string;
  readonly rooms: number;
  readonly workstations: number;
  readonly shared: number;
  readonly sharedRooms: number;
  readonly ratio: number;
  readonly meetsRatio: boolean;
  /** Only for venues with fewer than 5 rooms; null otherwise. */
  readonly meetsSmallVenueRoom: boolean | null;
  readonly compliant: boolean;
  readonly problems: readonly string[];
}

export interface RegionQuota {
  /** 地区: a city with its counties (L9 "一个地区（包括市县两级）"). */
  readonly region: string;
  readonly venues: number;
  readonly workstations: number;
  readonly shared: number;
  readonly ratio: number;
  readonly meetsRatio: boolean;
  readonly nonCompliantVenues: readonly string[];
}

export function regionKey(v: Pick<DirectoryVenue, 'province' | 'city'>): string {
  return `${v.province}/${v.city}`;
}

// shared * 5 >= total avoids floating point at exactly 20 %.
const meets = (shared: number, total: number): boolean => total > 0 && shared * 5 >= total;

export function venueQuota(v: DirectoryVenue): VenueQuota {
  const workstations = v.rooms.reduce((a, r) => a + r.workstations.length, 0);
  const shared = v.rooms.reduce((a, r) => a + r.workstations.filter((w) => w.shared).length, 0);
  const sharedRooms = v.rooms.filter((r) => r.workstations.length > 0 && r.workstations.every((w) => w.shared)).length;
  const small = v.rooms.length < SMALL_VENUE_ROOMS;
  const meetsSmallVenueRoom = small ? sharedRooms >= 1 : null;
  const meetsRatio = meets(shared, workstations);
  const problems: string[] = [];
  if (!meetsRatio) problems.push(`${shared} of ${workstations} workstations shared, below 20 %`);
  if (meetsSmallVenueRoom === false) problems.push(`${v.rooms.length} rooms (< 5) and no room fully shared`);
  return {
    venueId: v.venueId,
    name: v.name,
    region: regionKey(v),
    rooms: v.rooms.length,
    workstations,
    shared,
    sharedRooms,
    ratio: workstations === 0 ? 0 : shared / workstations,
    meetsRatio,
    meetsSmallVenueRoom,
    compliant: problems.length === 0,
    problems,
  };
}

export function regionQuotas(venues: readonly DirectoryVenue[]): RegionQuota[] {
  const byRegion = new Map<string, VenueQuota[]>();
  for (const v of venues) {
    const q = venueQuota(v);
    byRegion.set(q.region, [...(byRegion.get(q.region) ?? []), q]);
  }
  return [...byRegion.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([region, qs]) => {
      const workstations = qs.reduce((a, q) => a + q.workstations, 0);
      const shared = qs.reduce((a, q) => a + q.shared, 0);
      return {
        region,
        venues: qs.length,
        workstations,
        shared,
        ratio: workstations === 0 ? 0 : shared / workstations,
        meetsRatio: meets(shared, workstations),
        nonCompliantVenues: qs.filter((q) => !q.compliant).map((q) => q.venueId),
      };
    });
}
