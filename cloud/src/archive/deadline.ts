/** Handover deadline policy: 5 working days (Mon–Fri) or 60 calendar days after the session. Pure. */
export type HandoverPolicy = 'working_days_5' | 'days_60';

export function handoverDeadline(endedAt: Date, policy: HandoverPolicy, timezoneOffsetMinutes = 8 * 60): Date {
  if (policy === 'days_60') return new Date(endedAt.getTime() + 60 * 24 * 3600e3);
  // Count working days in local (China) time; the deadline is the end of the 5th working day.
  const local = new Date(endedAt.getTime() + timezoneOffsetMinutes * 60e3);
  const d = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()));
  let left = 5;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) left--;
  }
  const endOfDayLocal = d.getTime() + 24 * 3600e3;
  return new Date(endOfDayLocal - timezoneOffsetMinutes * 60e3);
}
