import { WorkingDayCalendar } from '../../src/rules/calendar';
import {
  changeCheckDeadline,
  checkChangeWindow,
  checkComposition,
  checkConfirmationInTime,
  checkCrossProvinceSelection,
  checkFiledWithTenderNotice,
  confirmationDeadline,
} from '../../src/rules/booking-rules';

const cal = new WorkingDayCalendar();
const at = (s: string) => new Date(s);

describe('booking rules [L13, L14, L16, L5]', () => {
  it('L13: filed with the tender notice, not later', () => {
    expect(checkFiledWithTenderNotice(at('2026-11-20T02:00:00Z'), at('2026-11-20T09:00:00Z')).ok).toBe(true);
    expect(checkFiledWithTenderNotice(null, at('2026-11-20T09:00:00Z')).ok).toBe(true);
    // 2026-11-20T16:30Z is already 2026-11-21 in China
    const late = checkFiledWithTenderNotice(at('2026-11-20T02:00:00Z'), at('2026-11-20T16:30:00Z'));
    expect(late).toMatchObject({ ok: false, code: 'not_filed_with_tender_notice', rule: 'L13' });
  });

  it('L14: the venue confirms within 3 days', () => {
    expect(confirmationDeadline(at('2026-11-20T03:00:00Z'))).toBe('2026-11-23');
    expect(checkConfirmationInTime(at('2026-11-20T03:00:00Z'), at('2026-11-23T15:59:00Z')).ok).toBe(true);
    expect(checkConfirmationInTime(at('2026-11-20T03:00:00Z'), at('2026-11-23T16:00:00Z'))).toMatchObject({ ok: false, code: 'confirmation_late' });
  });

  it('L14: changes only ≥ 5 days before: the 5th day before is allowed, the 4th is not', () => {
    expect(checkChangeWindow(at('2026-12-05T08:00:00+08:00'), '2026-12-10').ok).toBe(true);
    expect(checkChangeWindow(at('2026-12-05T23:59:00+08:00'), '2026-12-10').ok).toBe(true);
    const refused = checkChangeWindow(at('2026-12-06T00:00:00+08:00'), '2026-12-10');
    expect(refused).toMatchObject({ ok: false, code: 'change_too_late', rule: 'L14' });
    expect(!refused.ok && refused.reason).toMatch(/4 left/);
  });

  it('L14: a change is checked within 1 working day, across a holiday', () => {
    expect(changeCheckDeadline(cal, at('2026-11-23T10:00:00+08:00'))).toBe('2026-11-24');
    expect(changeCheckDeadline(cal, at('2026-11-20T10:00:00+08:00'))).toBe('2026-11-23'); // Friday → Monday
    expect(changeCheckDeadline(cal, at('2026-09-30T10:00:00+08:00'))).toBe('2026-10-08'); // National Day
    expect(changeCheckDeadline(cal, at('2026-02-13T10:00:00+08:00'))).toBe('2026-02-14'); // Saturday worked
  });

  it('L16: cross-province sub-venues chosen ≥ 1 working day before', () => {
    // Evaluation Monday 2026-10-12 → choose by Saturday 2026-10-10 (a worked Saturday)
    expect(checkCrossProvinceSelection(cal, at('2026-10-10T12:00:00+08:00'), '2026-10-12').ok).toBe(true);
    expect(checkCrossProvinceSelection(cal, at('2026-10-11T12:00:00+08:00'), '2026-10-12')).toMatchObject({ ok: false, code: 'cross_province_selection_late' });
    // Evaluation Thursday 2026-10-08 → by Wednesday 2026-09-30
    expect(checkCrossProvinceSelection(cal, at('2026-10-01T09:00:00+08:00'), '2026-10-08').ok).toBe(false);
  });

  it('L13: one sub-venue holds at most 1/2 of the committee', () => {
    const base = { committeeSize: 7, mainVenueId: 'M' };
    expect(checkComposition({ ...base, venues: [{ venueId: 'M', seats: 3 }, { venueId: 'A', seats: 2 }, { venueId: 'B', seats: 2 }] }).ok).toBe(true);
    expect(checkComposition({ ...base, venues: [{ venueId: 'M', seats: 3 }, { venueId: 'A', seats: 4 }] })).toMatchObject({ ok: false, code: 'sub_venue_over_half' });
    // exactly half of an even committee is allowed
    expect(checkComposition({ committeeSize: 8, mainVenueId: 'M', venues: [{ venueId: 'M', seats: 4 }, { venueId: 'A', seats: 4 }] }).ok).toBe(true);
  });

  it('L5: off-site experts ≥ 1/3 of the committee', () => {
    const venues = [{ venueId: 'M', seats: 7 }, { venueId: 'A', seats: 1 }, { venueId: 'B', seats: 1 }];
    expect(checkComposition({ committeeSize: 9, mainVenueId: 'M', venues })).toMatchObject({ ok: false, code: 'offsite_under_third' });
    const ok = [{ venueId: 'M', seats: 6 }, { venueId: 'A', seats: 2 }, { venueId: 'B', seats: 1 }];
    expect(checkComposition({ committeeSize: 9, mainVenueId: 'M', venues: ok }).ok).toBe(true); // 3 of 9, exactly 1/3
    expect(checkComposition({ committeeSize: 9, mainVenueId: 'M', venues: ok, offsiteExperts: 2 }).ok).toBe(false);
    expect(checkComposition({ committeeSize: 9, mainVenueId: 'M', venues: [{ venueId: 'M', seats: 8 }] })).toMatchObject({ code: 'seats_mismatch' });
  });
});
