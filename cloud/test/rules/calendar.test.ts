import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkingDayCalendar, cstDate, cstMidnight, loadHolidayData, calendarDaysBetween } from '../../src/rules/calendar';

const cal = new WorkingDayCalendar();

describe('working-day calendar (State Council notices)', () => {
  it('knows 2025 holidays and adjusted working days', () => {
    expect(cal.isWorkingDay('2025-01-01')).toBe(false);
    expect(cal.isWorkingDay('2025-01-28')).toBe(false); // 除夕
    expect(cal.isWorkingDay('2025-02-04')).toBe(false);
    expect(cal.isWorkingDay('2025-01-26')).toBe(true); // Sunday worked
    expect(cal.isWorkingDay('2025-02-08')).toBe(true); // Saturday worked
    expect(cal.isWorkingDay('2025-10-08')).toBe(false);
    expect(cal.isWorkingDay('2025-10-11')).toBe(true);
    expect(cal.isWorkingDay('2025-10-09')).toBe(true); // ordinary Thursday
  });

  it('knows 2026 holidays and adjusted working days', () => {
    for (const d of ['2026-01-02', '2026-02-16', '2026-02-23', '2026-04-06', '2026-05-05', '2026-06-19', '2026-09-25', '2026-10-07']) {
      expect([d, cal.isWorkingDay(d)]).toEqual([d, false]);
    }
    for (const d of ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']) {
      expect([d, cal.isWorkingDay(d)]).toEqual([d, true]);
    }
    expect(cal.isWorkingDay('2026-11-21')).toBe(false); // Saturday
    expect(cal.isWorkingDay('2026-11-23')).toBe(true); // Monday
    expect(cal.isProvisional('2026-05-01')).toBe(false);
  });

  it('treats 2027 as provisional: weekends only', () => {
    expect(cal.isProvisional('2027-02-08')).toBe(true);
    expect(cal.isWorkingDay('2027-01-01')).toBe(true); // Friday; no notice yet
    expect(cal.isWorkingDay('2027-01-02')).toBe(false); // Saturday
  });

  it('adds working days across the National Day week', () => {
    // Request on Wednesday 2026-09-30: the next working day is Thursday 2026-10-08.
    expect(cal.addWorkingDays('2026-09-30', 1)).toBe('2026-10-08');
    expect(cal.addWorkingDays('2026-10-08', 2)).toBe('2026-10-10'); // Saturday 10-10 is worked
    expect(cal.addWorkingDays('2026-10-08', -1)).toBe('2026-09-30');
    expect(cal.addWorkingDays('2026-10-03', 0)).toBe('2026-10-08');
    expect(cal.addWorkingDays('2026-09-19', 1)).toBe('2026-09-20'); // Sunday 09-20 is worked
  });

  it('counts working days between dates, a holiday in the window', () => {
    expect(cal.workingDaysBetween('2026-09-30', '2026-10-08')).toBe(1);
    expect(cal.workingDaysBetween('2026-02-13', '2026-02-24')).toBe(2); // 02-14 (Sat, worked) and 02-24
    expect(cal.workingDaysBetween('2026-11-23', '2026-11-23')).toBe(0);
    expect(cal.workingDaysBetween('2026-11-27', '2026-11-23')).toBe(-4);
  });

  it('converts instants to China Standard Time dates', () => {
    expect(cstDate(new Date('2026-09-30T16:30:00Z'))).toBe('2026-10-01');
    expect(cstMidnight('2026-10-01').toISOString()).toBe('2026-09-30T16:00:00.000Z');
    expect(calendarDaysBetween('2026-02-27', '2026-03-01')).toBe(2);
    expect(() => cal.isWorkingDay('2026-13-01')).toThrow(RangeError);
  });

  it('loads a replacement data file and rejects a malformed one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'evalroom-cal-'));
    try {
      const good = join(dir, 'h.json');
      await writeFile(good, JSON.stringify([{ year: 2027, source: 'test notice', provisional: false, holidays: ['2027-01-01'], workdays: ['2027-01-02'] }]));
      const c = new WorkingDayCalendar(await loadHolidayData(good));
      expect(c.isWorkingDay('2027-01-01')).toBe(false);
      expect(c.isWorkingDay('2027-01-02')).toBe(true);
      expect(c.isProvisional('2027-06-01')).toBe(false);
      const bad = join(dir, 'bad.json');
      await writeFile(bad, JSON.stringify([{ year: 2027, holidays: ['1 Jan'] }]));
      await expect(loadHolidayData(bad)).rejects.toThrow(/invalid holiday data/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
