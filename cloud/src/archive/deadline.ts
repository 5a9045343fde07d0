import { addCalendarDays, cstDate, cstMidnight, WorkingDayCalendar } from '../rules/calendar';

/**
 * Footage handover deadline after a session: 5 working days (Heilongjiang H8; working days per
 * China's holiday notices, 调休 included) or 60 calendar days (Liaoning L17). Pure.
 */
export const HANDOVER_POLICIES = ['working_days_5', 'days_60'] as const;
export type HandoverPolicy = (typeof HANDOVER_POLICIES)[number];

/** The policy from the environment; an unknown value stops the start rather than guessing. */
export function handoverPolicyFrom(value: string | undefined): HandoverPolicy {
  if (value === undefined || value === '') return 'working_days_5';
  if ((HANDOVER_POLICIES as readonly string[]).includes(value)) return value as HandoverPolicy;
  throw new Error(`EVALROOM_HANDOVER_POLICY must be one of ${HANDOVER_POLICIES.join(', ')}, not '${value}'`);
}

export function handoverDeadline(endedAt: Date, policy: HandoverPolicy, calendar = new WorkingDayCalendar()): Date {
  if (policy === 'days_60') return new Date(endedAt.getTime() + 60 * 24 * 3600e3);
  // The end (China time) of the 5th working day after the day the session ended.
  const fifth = calendar.addWorkingDays(cstDate(endedAt), 5);
  return cstMidnight(addCalendarDays(fifth, 1));
}
