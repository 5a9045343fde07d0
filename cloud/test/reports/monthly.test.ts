import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMonthlyReport, reportCsv, reportSheet, wan } from '../../src/reports/monthly';
import { ReportsRepository } from '../../src/reports/reports.repository';
import { writeXlsx, columnName } from '../../src/reports/xlsx';
import { unzip } from '../../src/reports/zip';
import { createTestDb, TestDb } from '../rules/testdb';

let t: TestDb;
let repo: ReportsRepository;

const centers: Array<[id: string, name: string, level: string, code: string, venue: string]> = [
  ['jl-prov', '省公共资源交易中心', 'province', '22', 'v-prov'],
  ['cc', '长春市公共资源交易中心', 'city', '2201', 'v-cc'],
  ['cc-nong', '农安县公共资源交易中心', 'county', '220122', 'v-nong'],
  ['jlc', '吉林市公共资源交易中心', 'city', '2202', 'v-jlc'],
  ['sp', '四平市公共资源交易中心', 'city', '2203', 'v-sp'],
  ['sy', '沈阳市公共资源交易中心', 'city', '2101', 'v-sy'],
];

beforeAll(async () => {
  t = await createTestDb();
  for (const [id, name, level, code, venue] of centers) {
    await t.db.query(`INSERT INTO trading_centers (id, name, level, region_code) VALUES ($1, $2, $3, $4)`, [id, name, level, code]);
    await t.db.query(`INSERT INTO venues (id, trading_center_id, name) VALUES ($1, $2, $1)`, [venue, id]);
  }
  repo = new ReportsRepository(t.db);
  const base = { projectName: 'n', evaluatedOn: '2026-10-15' };
  await repo.upsertResult({ ...base, projectCode: 'P1', mainVenueId: 'v-cc', remote: true, lots: 2, budgetYuan: 12_345_600, awardYuan: 11_000_000, subVenues: [{ venueId: 'v-jlc', experts: 3 }, { venueId: 'v-sp', experts: 2 }] }, 'test');
  await repo.upsertResult({ ...base, projectCode: 'P2', mainVenueId: 'v-nong', remote: false, lots: 1, budgetYuan: 2_000_000, awardYuan: 1_950_050, subVenues: [] }, 'test');
  await repo.upsertResult({ ...base, projectCode: 'P3', mainVenueId: 'v-prov', remote: true, lots: 3, budgetYuan: 50_000_000, awardYuan: 48_000_000, subVenues: [{ venueId: 'v-cc', experts: 2 }, { venueId: 'v-sy', experts: 3 }] }, 'test');
  await repo.upsertResult({ ...base, projectCode: 'P4', mainVenueId: 'v-sy', remote: true, lots: 1, budgetYuan: 8_000_000, awardYuan: 7_900_000, subVenues: [{ venueId: 'v-jlc', experts: 4 }], evaluatedOn: '2026-10-31' }, 'test');
  await repo.upsertResult({ ...base, projectCode: 'P5', mainVenueId: 'v-jlc', remote: true, lots: 1, budgetYuan: 10_000_000, awardYuan: 9_000_000, subVenues: [{ venueId: 'v-cc', experts: 2 }], evaluatedOn: '2026-11-02' }, 'test');
});
afterAll(async () => t?.drop());

// Hand-computed from the five projects above (P5 is in November).
const EXPECTED = [
  ['省公共资源交易中心', 1, 3, 5000, 4800, 1, 3, 5000, 4800, '吉林省1次, 专家2人; 辽宁省, 专家3人', 0, 0, 0, 0, ''],
  ['长春市公共资源交易中心', 2, 3, 1434.56, 1295.01, 1, 2, 1234.56, 1100, '吉林省2次, 专家5人', 1, 3, 5000, 4800, '省公共资源交易中心'],
  ['吉林市公共资源交易中心', 0, 0, 0, 0, 0, 0, 0, 0, '', 2, 3, 2034.56, 1890, '辽宁省、长春市公共资源交易中心'],
  ['四平市公共资源交易中心', 0, 0, 0, 0, 0, 0, 0, 0, '', 1, 2, 1234.56, 1100, '长春市公共资源交易中心'],
  ['合计', 3, 6, 6434.56, 6095.01, 2, 5, 6234.56, 5900, '吉林省3次, 专家7人; 辽宁省, 专家3人', 4, 8, 8269.12, 7790, '省公共资源交易中心、辽宁省、长春市公共资源交易中心'],
];

describe('monthly dispatch report (Jilin table layout)', () => {
  it('formats 万元 exactly', () => {
    expect([wan(12_345_600), wan(1_950_050), wan(1_950_049), wan(0), wan(99)]).toEqual(['1234.56', '195.01', '195.00', '0.00', '0.01']);
    expect([columnName(0), columnName(25), columnName(26), columnName(27)]).toEqual(['A', 'Z', 'AA', 'AB']);
  });

  it('matches the hand-computed totals for October 2026 in Jilin (CSV)', async () => {
    const { rows, projects } = await repo.monthData('2026-10', '22');
    const report = buildMonthlyReport('2026-10', '22', rows, projects);
    const csv = reportCsv(report);
    expect(csv.startsWith('\ufeff')).toBe(true);
    const lines = csv.slice(1).trimEnd().split('\r\n');
    expect(lines[1]).toBe('地区,项目数量,标段数量,预算金额 (万元),中标金额 (万元),项目数量,标段数量,预算金额 (万元),中标金额 (万元),副场地区 (省份) 及抽取专家数量,项目数量,标段数量,预算金额 (万元),中标金额 (万元),主场地区 (省份)');
    const money = new Set([3, 4, 7, 8, 12, 13]);
    const expectedCsv = EXPECTED.map((r) => r.map((v, i) => (money.has(i) ? (v as number).toFixed(2) : String(v))).map((s) => (/[,"]/.test(s) ? `"${s}"` : s)).join(','));
    expect(lines.slice(2)).toEqual(expectedCsv);
  });

  it('writes the same table as XLSX that unzips back to the same cells', async () => {
    const { rows, projects } = await repo.monthData('2026-10', '22');
    const xlsx = writeXlsx(reportSheet(buildMonthlyReport('2026-10', '22', rows, projects)));
    const files = unzip(xlsx);
    expect([...files.keys()].sort()).toEqual(['[Content_Types].xml', '_rels/.rels', 'xl/_rels/workbook.xml.rels', 'xl/sharedStrings.xml', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml']);
    const strings = [...files.get('xl/sharedStrings.xml')!.toString('utf8').matchAll(/<t xml:space="preserve">([^<]*)<\/t>/g)].map((m) => m[1]!);
    const sheet = files.get('xl/worksheets/sheet1.xml')!.toString('utf8');
    const grid = new Map<string, string | number>();
    for (const m of sheet.matchAll(/<c r="([A-Z]+\d+)"( t="s")?><v>([^<]*)<\/v><\/c>/g)) {
      grid.set(m[1]!, m[2] ? strings[Number(m[3])]! : Number(m[3]));
    }
    expect(grid.get('A1')).toBe('远程异地评标月调度情况表 2026-10 吉林省');
    expect(grid.get('F2')).toBe('远程异地评标情况 (主场)');
    EXPECTED.forEach((row, r) => {
      const got = row.map((_, c) => grid.get(`${columnName(c)}${r + 4}`) ?? '');
      expect(got).toEqual(row.map((v) => (v === 0 ? 0 : v)));
    });
    expect(sheet).toContain('<mergeCell ref="B2:E2"/>');
    // an independent reader agrees the archive is intact
    const dir = await mkdtemp(join(tmpdir(), 'evalroom-xlsx-'));
    try {
      const file = join(dir, 'r.xlsx');
      await writeFile(file, xlsx);
      const out = execFileSync('python3', ['-c', 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(z.testzip(), len(z.namelist()))', file]).toString().trim();
      expect(out).toBe('None 6');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an empty month still lists every region with zeros', async () => {
    const { rows, projects } = await repo.monthData('2026-09', '22');
    const report = buildMonthlyReport('2026-09', '22', rows, projects);
    expect(report.rows.map((r) => r.label)).toEqual(EXPECTED.slice(0, 4).map((r) => r[0]));
    expect(report.total.evaluated).toEqual({ projects: 0, lots: 0, budgetYuan: 0, awardYuan: 0 });
  });
});
