import { DirectoryVenue, regionQuotas, venueQuota } from '../../src/rules/sharing';

function venue(id: string, city: string, rooms: Array<[total: number, shared: number]>): DirectoryVenue {
  return {
    venueId: id,
    name: id,
    province: '辽宁省',
    city,
    rooms: rooms.map(([total, shared], r) => ({
      roomId: `${id}-r${r}`,
      workstations: Array.from({ length: total }, (_, i) => ({ id: `${id}-r${r}-w${i}`, shared: i < shared })),
    })),
  };
}

describe('sharing quotas [L9]', () => {
  it('exactly 20 % shared meets the ratio; one fewer does not', () => {
    // 5 rooms × 10 workstations = 50; 10 shared = 20 %
    const v = venue('A', '沈阳市', [[10, 10], [10, 0], [10, 0], [10, 0], [10, 0]]);
    expect(venueQuota(v)).toMatchObject({ workstations: 50, shared: 10, meetsRatio: true, meetsSmallVenueRoom: null, compliant: true });
    const w = venue('B', '沈阳市', [[10, 9], [10, 0], [10, 0], [10, 0], [10, 0]]);
    expect(venueQuota(w)).toMatchObject({ shared: 9, meetsRatio: false, compliant: false });
  });

  it('a venue with fewer than 5 rooms shares at least one whole room', () => {
    const partial = venue('C', '大连市', [[5, 4], [5, 0], [5, 0], [5, 0]]); // 4/20 = 20 % but no whole room
    expect(venueQuota(partial)).toMatchObject({ meetsRatio: true, meetsSmallVenueRoom: false, compliant: false });
    const whole = venue('D', '大连市', [[5, 5], [5, 0], [5, 0], [5, 0]]);
    expect(venueQuota(whole)).toMatchObject({ sharedRooms: 1, meetsSmallVenueRoom: true, compliant: true });
  });

  it('reports per region (a city with its counties)', () => {
    const venues = [
      venue('A', '沈阳市', [[10, 10], [10, 0], [10, 0], [10, 0], [10, 0]]), // 10/50
      { ...venue('K', '沈阳市', [[5, 0]]), county: '新民市' }, // 0/5, not compliant
      venue('D', '大连市', [[5, 5], [5, 0], [5, 0], [5, 0]]), // 5/20
    ];
    const report = regionQuotas(venues);
    expect(report.map((r) => [r.region, r.workstations, r.shared, r.meetsRatio, r.nonCompliantVenues])).toEqual([
      ['辽宁省/大连市', 20, 5, true, []],
      ['辽宁省/沈阳市', 55, 10, false, ['K']],
    ]);
  });
});
