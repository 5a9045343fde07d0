import { readFile } from 'node:fs/promises';
import { CN_HOLIDAYS, HolidayData } from './holidays-cn';

/** ISO calendar date, YYYY-MM-DD, in China Standard Time. */
export type IsoDate = string;

const DAY_MS = 86_400_000;
const CST_OFFSET_MS = 8 * 3_600_000; // Asia/Shanghai, no daylight saving time

/** The China Standard Time calendar date of an instant. */
export function cstDate(instant: Date): IsoDate {
  return new Date(instant.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** Midnight China Standard Time of a calendar date, as an instant. */
export function cstMidnight(date: IsoDate): Date {
  return new Date(toDay(date) * DAY_MS - CST_OFFSET_MS);
}

function toDay(date: IsoDate): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new RangeError(`not an ISO date: ${date}`);
  const t = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(t)) throw new RangeError(`not an ISO date: ${date}`);
  return t / DAY_MS;
}

function fromDay(day: number): IsoDate {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Calendar days from `a` to `b` (positive when b is later). */
export function calendarDaysBetween(a: IsoDate, b: IsoDate): number {
  return toDay(b) - toDay(a);
}

export function addCalendarDays(date: IsoDate, n: number): IsoDate {
  return fromDay(toDay(date) + n);
}

/**
 * Working days per China's holiday notices: Monday–Friday unless a public holiday, plus the
 * weekend days declared working days (调休). Years without data, or marked provisional, fall
 * back to weekends only; `isProvisional` says when that happened so callers can warn.
 */
export class WorkingDayCalendar {
  private readonly holidays = new Set<IsoDate>();
  private readonly workdays = new Set<IsoDate>();
  private readonly confirmedYears = new Set<number>();

  constructor(data: HolidayData = CN_HOLIDAYS) {
    const parsed = HolidayData.parse(data);
    for (const y of parsed) {
      if (!y.provisional) this.confirmedYears.add(y.year);
      y.holidays.forEach((d) => this.holidays.add(d));
      y.workdays.forEach((d) => this.workdays.add(d));
    }
  }

  /** True when the date's year has no published holiday notice in the data. */
  isProvisional(date: IsoDate): boolean {
    return !this.confirmedYears.has(Number(date.slice(0, 4)));
  }

  isWorkingDay(date: IsoDate): boolean {
    const day = toDay(date);
    if (this.workdays.has(date)) return true;
    if (this.holidays.has(date)) return false;
    const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
    return weekday !== 0 && weekday !== 6;
  }

  /**
   * The n-th working day after `date` (n > 0) or before it (n < 0). n = 0 returns `date`
   * itself when it is a working day, otherwise the next working day.
   */
  addWorkingDays(date: IsoDate, n: number): IsoDate {
    if (!Number.isInteger(n)) throw new RangeError('n must be an integer');
    let day = toDay(date);
    if (n === 0) {
      while (!this.isWorkingDay(fromDay(day))) day += 1;
      return fromDay(day);
    }
    const step = n > 0 ? 1 : -1;
    let left = Math.abs(n);
    while (left > 0) {
      day += step;
      if (this.isWorkingDay(fromDay(day))) left -= 1;
    }
    return fromDay(day);
  }

  /**
   * Working days d with from < d ≤ to (so "within 1 working day of a request made on `from`"
   * means workingDaysBetween(from, to) ≤ 1). Negative when `to` is before `from`.
   */
  workingDaysBetween(from: IsoDate, to: IsoDate): number {
    const a = toDay(from);
    const b = toDay(to);
    if (b < a) return -this.workingDaysBetween(to, from);
    let count = 0;
    for (let d = a + 1; d <= b; d += 1) if (this.isWorkingDay(fromDay(d))) count += 1;
    return count;
  }
}

/** Reads a replacement holiday data file (JSON array of HolidayYear) and validates it. */
export async function loadHolidayData(path: string): Promise<HolidayData> {
  const raw: unknown = JSON.parse(await readFile(path, 'utf8'));
  const result = HolidayData.safeParse(raw);
  if (!result.success) throw new Error(`invalid holiday data in ${path}: ${result.error.message}`);
  return result.data;
}
