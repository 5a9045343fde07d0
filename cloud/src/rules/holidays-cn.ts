import { z } from 'zod';

/**
 * China's public holidays and adjusted working days (调休) per year, as published by the
 * General Office of the State Council. Dates are local calendar dates (Asia/Shanghai).
 * A year marked `provisional` has not been published yet: only weekends apply. Replace the data
 * at run time with `loadHolidayData()` (a JSON file of the same shape) when a notice appears.
 */
export const HolidayYear = z.strictObject({
  year: z.number().int().min(2000).max(2100),
  source: z.string().min(1),
  provisional: z.boolean(),
  /** Days off that would otherwise be working days (and weekend days inside a holiday block). */
  holidays: z.array(z.iso.date()),
  /** Weekend days that are working days (调休上班). */
  workdays: z.array(z.iso.date()),
});
export type HolidayYear = z.infer<typeof HolidayYear>;
export const HolidayData = z.array(HolidayYear).min(1);
export type HolidayData = z.infer<typeof HolidayData>;

/** Inclusive range of ISO dates. */
function range(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

export const CN_HOLIDAYS: HolidayData = [
  {
    year: 2025,
    source: '国办发明电〔2024〕12号 国务院办公厅关于2025年部分节假日安排的通知',
    provisional: false,
    holidays: [
      '2025-01-01',
      ...range('2025-01-28', '2025-02-04'), // 春节
      ...range('2025-04-04', '2025-04-06'), // 清明
      ...range('2025-05-01', '2025-05-05'), // 劳动节
      ...range('2025-05-31', '2025-06-02'), // 端午
      ...range('2025-10-01', '2025-10-08'), // 国庆、中秋
    ],
    workdays: ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11'],
  },
  {
    year: 2026,
    source: '国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）',
    provisional: false,
    holidays: [
      ...range('2026-01-01', '2026-01-03'), // 元旦
      ...range('2026-02-15', '2026-02-23'), // 春节
      ...range('2026-04-04', '2026-04-06'), // 清明
      ...range('2026-05-01', '2026-05-05'), // 劳动节
      ...range('2026-06-19', '2026-06-21'), // 端午
      ...range('2026-09-25', '2026-09-27'), // 中秋
      ...range('2026-10-01', '2026-10-07'), // 国庆
    ],
    workdays: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
  },
  {
    year: 2027,
    source: 'not yet published by the State Council: weekends only until replaced',
    provisional: true,
    holidays: [],
    workdays: [],
  },
];
