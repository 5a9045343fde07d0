import { addCalendarDays, calendarDaysBetween, cstDate, IsoDate, WorkingDayCalendar } from './calendar';
import { OK, refuse, RuleOutcome } from './outcome';

/** L14: the venue confirms a booking request within 3 days of receiving it (calendar days). */
export const CONFIRM_WITHIN_DAYS = 3;
/** L14: changes are requested at least 5 days before the evaluation. */
export const CHANGE_MIN_DAYS_BEFORE = 5;
/** L14: the venue checks a change request within 1 working day. */
export const CHANGE_CHECK_WORKING_DAYS = 1;
/** L16: cross-province sub-venues are chosen at least 1 working day before the evaluation. */
export const CROSS_PROVINCE_SELECTION_WORKING_DAYS = 1;

/** L13: the booking is filed together with the tender notice (the same day, not later). */
export function checkFiledWithTenderNotice(tenderNoticeAt: Date | null, filedAt: Date): RuleOutcome {
  if (tenderNoticeAt === null) return OK; // filed before the notice goes out
  if (cstDate(filedAt) > cstDate(tenderNoticeAt)) {
    return refuse('not_filed_with_tender_notice', 'L13', `the booking must be filed with the tender notice of ${cstDate(tenderNoticeAt)}, not on ${cstDate(filedAt)}`);
  }
  return OK;
}

/** L14: the last calendar date on which the venue may confirm. */
export function confirmationDeadline(receivedAt: Date): IsoDate {
  return addCalendarDays(cstDate(receivedAt), CONFIRM_WITHIN_DAYS);
}

export function checkConfirmationInTime(receivedAt: Date, confirmedAt: Date): RuleOutcome {
  const deadline = confirmationDeadline(receivedAt);
  if (cstDate(confirmedAt) > deadline) {
    return refuse('confirmation_late', 'L14', `the venue had to confirm by ${deadline} (3 days after receipt)`);
  }
  return OK;
}

/** L14: a confirmed booking may change only when requested ≥ 5 days before the evaluation day. */
export function checkChangeWindow(requestedAt: Date, evaluationDate: IsoDate): RuleOutcome {
  const days = calendarDaysBetween(cstDate(requestedAt), evaluationDate);
  if (days < CHANGE_MIN_DAYS_BEFORE) {
    return refuse('change_too_late', 'L14', `changes must be requested at least ${CHANGE_MIN_DAYS_BEFORE} days before the evaluation on ${evaluationDate}; ${days} left`);
  }
  return OK;
}

/** L14: the date by which the venue must have checked a change request. */
export function changeCheckDeadline(calendar: WorkingDayCalendar, requestedAt: Date): IsoDate {
  return calendar.addWorkingDays(cstDate(requestedAt), CHANGE_CHECK_WORKING_DAYS);
}

/** L16: the last date on which cross-province sub-venues may be chosen. */
export function crossProvinceSelectionDeadline(calendar: WorkingDayCalendar, evaluationDate: IsoDate): IsoDate {
  return calendar.addWorkingDays(evaluationDate, -CROSS_PROVINCE_SELECTION_WORKING_DAYS);
}

export function checkCrossProvinceSelection(calendar: WorkingDayCalendar, selectedAt: Date, evaluationDate: IsoDate): RuleOutcome {
  const deadline = crossProvinceSelectionDeadline(calendar, evaluationDate);
  if (cstDate(selectedAt) > deadline) {
    return refuse('cross_province_selection_late', 'L16', `cross-province sub-venues must be chosen by ${deadline}, 1 working day before ${evaluationDate}`);
  }
  return OK;
}

export interface VenueSeats {
  readonly venueId: string;
  readonly seats: number;
}

export interface CommitteeLayout {
  readonly committeeSize: number;
  readonly mainVenueId: string;
  /** Seats per venue, main venue included. */
  readonly venues: readonly VenueSeats[];
  /** Experts from another place (异地专家); defaults to the seats outside the main venue. */
  readonly offsiteExperts?: number;
}

/** L13 (one sub-venue ≤ 1/2 of the committee) and L5 (off-site experts ≥ 1/3). Integer arithmetic. */
export function checkComposition(layout: CommitteeLayout): RuleOutcome {
  const { committeeSize: n } = layout;
  if (!Number.isInteger(n) || n < 3) return refuse('committee_size', 'L5', 'a committee has at least 3 members');
  const total = layout.venues.reduce((a, v) => a + v.seats, 0);
  if (total !== n) return refuse('seats_mismatch', 'L13', `the venues hold ${total} seats for a committee of ${n}`);
  for (const v of layout.venues) {
    if (v.venueId !== layout.mainVenueId && v.seats * 2 > n) {
      return refuse('sub_venue_over_half', 'L13', `sub-venue ${v.venueId} holds ${v.seats} of ${n} seats, more than 1/2`);
    }
  }
  const offsite = layout.offsiteExperts ?? layout.venues.filter((v) => v.venueId !== layout.mainVenueId).reduce((a, v) => a + v.seats, 0);
  if (offsite * 3 < n) return refuse('offsite_under_third', 'L5', `${offsite} off-site experts of ${n}, fewer than 1/3`);
  return OK;
}
