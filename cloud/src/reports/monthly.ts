import { provinceName } from './provinces-cn';
import type { Cell, Sheet } from './xlsx';

/** A row of the Jilin monthly dispatch table (附件: 远程异地评标月调度情况表). */
export interface ReportRegion {
  /** Row key: a province-level center's id, or a city code (4 digits) with its counties. */
  readonly key: string;
  readonly label: string;
  /** GB/T 2260 code of the region (its first two digits name the province). */
  readonly regionCode: string;
}

export interface ReportProject {
  readonly projectCode: string;
  readonly evaluatedOn: string; // YYYY-MM-DD
  readonly main: ReportRegion;
  readonly remote: boolean;
  readonly lots: number;
  readonly budgetYuan: number;
  readonly awardYuan: number;
  readonly subVenues: readonly { readonly region: ReportRegion; readonly experts: number }[];
}

export interface Totals {
  projects: number;
  lots: number;
  budgetYuan: number;
  awardYuan: number;
}

export interface ReportRow {
  readonly label: string;
  readonly evaluated: Totals;
  readonly main: Totals;
  /** 副场地区(省份)及抽取专家数量: per province, sub-venue uses and experts. */
  readonly subVenueProvinces: readonly { province: string; times: number; experts: number }[];
  readonly sub: Totals;
  /** 主场地区(省份) */
  readonly mainRegions: readonly string[];
}

export interface MonthlyReport {
  readonly month: string;
  readonly regionPrefix: string;
  readonly province: string;
  readonly rows: readonly ReportRow[];
  readonly total: ReportRow;
}

const zero = (): Totals => ({ projects: 0, lots: 0, budgetYuan: 0, awardYuan: 0 });
const add = (t: Totals, p: ReportProject): void => {
  t.projects += 1;
  t.lots += p.lots;
  t.budgetYuan += p.budgetYuan;
  t.awardYuan += p.awardYuan;
};
const inside = (r: ReportRegion, prefix: string): boolean => r.regionCode.startsWith(prefix);

function mergeProvinces(into: Map<string, { times: number; experts: number }>, province: string, times: number, experts: number): void {
  const cur = into.get(province) ?? { times: 0, experts: 0 };
  into.set(province, { times: cur.times + times, experts: cur.experts + experts });
}
const sortedProvinces = (m: Map<string, { times: number; experts: number }>) =>
  [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([province, v]) => ({ province, ...v }));

/**
 * The monthly dispatch report (J 六, H 六) for `month` (YYYY-MM) and a region prefix (GB/T 2260,
 * e.g. "22" for Jilin). Rows follow `rows`; 合计 sums the columns of the rows.
 */
export function buildMonthlyReport(month: string, regionPrefix: string, rows: readonly ReportRegion[], projects: readonly ReportProject[]): MonthlyReport {
  const inMonth = projects.filter((p) => p.evaluatedOn.startsWith(`${month}-`));
  const out: ReportRow[] = rows.map((row) => {
    const evaluated = zero();
    const main = zero();
    const sub = zero();
    const provinces = new Map<string, { times: number; experts: number }>();
    const mainRegions = new Set<string>();
    for (const p of inMonth) {
      if (p.main.key === row.key) {
        add(evaluated, p);
        if (p.remote) {
          add(main, p);
          for (const s of p.subVenues) mergeProvinces(provinces, provinceName(s.region.regionCode), 1, s.experts);
        }
      }
      if (p.remote && p.subVenues.some((s) => s.region.key === row.key)) {
        add(sub, p);
        mainRegions.add(inside(p.main, regionPrefix) ? p.main.label : provinceName(p.main.regionCode));
      }
    }
    return { label: row.label, evaluated, main, subVenueProvinces: sortedProvinces(provinces), sub, mainRegions: [...mainRegions].sort() };
  });
  const sum = (pick: (r: ReportRow) => Totals): Totals =>
    out.reduce((t, r) => ({ projects: t.projects + pick(r).projects, lots: t.lots + pick(r).lots, budgetYuan: t.budgetYuan + pick(r).budgetYuan, awardYuan: t.awardYuan + pick(r).awardYuan }), zero());
  const provinces = new Map<string, { times: number; experts: number }>();
  out.forEach((r) => r.subVenueProvinces.forEach((p) => mergeProvinces(provinces, p.province, p.times, p.experts)));
  const total: ReportRow = {
    label: '合计',
    evaluated: sum((r) => r.evaluated),
    main: sum((r) => r.main),
    subVenueProvinces: sortedProvinces(provinces),
    sub: sum((r) => r.sub),
    mainRegions: [...new Set(out.flatMap((r) => r.mainRegions))].sort(),
  };
  return { month, regionPrefix, province: provinceName(regionPrefix), rows: out, total };
}

/** Yuan → 万元 with two decimals, exact (integer arithmetic, half up). */
export function wan(yuan: number): string {
  const hundreds = Math.floor((yuan + 50) / 100); // units of 0.01 万元 = 100 yuan
  return `${Math.floor(hundreds / 100)}.${String(hundreds % 100).padStart(2, '0')}`;
}

/** "辽宁省, 专家3人; 吉林省4次, 专家9人" — other provinces by experts, the home province by uses. */
export function subVenueText(row: ReportRow, homeProvince: string): string {
  return row.subVenueProvinces
    .map((p) => (p.province === homeProvince ? `${p.province}${p.times}次, 专家${p.experts}人` : `${p.province}, 专家${p.experts}人`))
    .join('; ');
}

export const HEADER_GROUPS = ['地区', '工程建设项目评标情况', '远程异地评标情况 (主场)', '远程异地评标情况 (副场)'] as const;
export const HEADERS = [
  '地区',
  '项目数量', '标段数量', '预算金额 (万元)', '中标金额 (万元)',
  '项目数量', '标段数量', '预算金额 (万元)', '中标金额 (万元)', '副场地区 (省份) 及抽取专家数量',
  '项目数量', '标段数量', '预算金额 (万元)', '中标金额 (万元)', '主场地区 (省份)',
] as const;

function cells(r: ReportRow, home: string, money: (y: number) => Cell): Cell[] {
  const t = (x: Totals): Cell[] => [x.projects, x.lots, money(x.budgetYuan), money(x.awardYuan)];
  return [r.label, ...t(r.evaluated), ...t(r.main), subVenueText(r, home), ...t(r.sub), r.mainRegions.join('、')];
}

const csvField = (v: Cell): string => {
  const s = v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** CSV with a UTF-8 BOM (Excel opens it as UTF-8), two header rows like the seed's table. */
export function reportCsv(report: MonthlyReport): string {
  const group = ['地区', '工程建设项目评标情况', '', '', '', '远程异地评标情况 (主场)', '', '', '', '', '远程异地评标情况 (副场)', '', '', '', ''];
  const lines = [group, [...HEADERS], ...[...report.rows, report.total].map((r) => cells(r, report.province, wan))];
  return '\ufeff' + lines.map((l) => l.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** The same table as an XLSX sheet: amounts as numbers in 万元. */
export function reportSheet(report: MonthlyReport): Sheet {
  const title = `远程异地评标月调度情况表 ${report.month} ${report.province}`;
  return {
    name: report.month,
    rows: [
      [title],
      ['地区', '工程建设项目评标情况', null, null, null, '远程异地评标情况 (主场)', null, null, null, null, '远程异地评标情况 (副场)', null, null, null, null],
      [null, ...HEADERS.slice(1)],
      ...[...report.rows, report.total].map((r) => cells(r, report.province, (y) => Number(wan(y)))),
    ],
    merges: ['A1:O1', 'A2:A3', 'B2:E2', 'F2:J2', 'K2:O2'],
  };
}
