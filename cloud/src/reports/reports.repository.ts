import { Inject, Injectable } from '@nestjs/common';
import { Database } from '../db/database';
import type { ReportProject, ReportRegion } from './monthly';

interface CenterRow {
  id: string;
  name: string;
  level: string;
  regionCode: string;
}

export interface ResultInput {
  projectCode: string;
  projectName: string;
  mainVenueId: string;
  remote: boolean;
  lots: number;
  budgetYuan: number;
  awardYuan: number;
  evaluatedOn: string;
  subVenues: { venueId: string; experts: number }[];
}

/** The row a trading center reports under: province-level centers alone, others by city. */
export function regionOf(center: CenterRow, cityNames: ReadonlyMap<string, string>): ReportRegion {
  if (center.level === 'province') return { key: `center:${center.id}`, label: center.name, regionCode: center.regionCode };
  const city = center.regionCode.slice(0, 4);
  return { key: city, label: cityNames.get(city) ?? city, regionCode: city };
}

@Injectable()
export class ReportsRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  async upsertResult(r: ResultInput, by: string): Promise<void> {
    await this.db.query(
      `INSERT INTO evaluation_results (project_code, project_name, main_venue_id, remote, lots, budget_yuan, award_yuan, evaluated_on, sub_venues, recorded_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::date, $9::jsonb, $10)
       ON CONFLICT (project_code) DO UPDATE SET project_name = EXCLUDED.project_name, main_venue_id = EXCLUDED.main_venue_id,
         remote = EXCLUDED.remote, lots = EXCLUDED.lots, budget_yuan = EXCLUDED.budget_yuan, award_yuan = EXCLUDED.award_yuan,
         evaluated_on = EXCLUDED.evaluated_on, sub_venues = EXCLUDED.sub_venues, recorded_by = EXCLUDED.recorded_by, recorded_at = now()`,
      [r.projectCode, r.projectName, r.mainVenueId, r.remote, r.lots, r.budgetYuan, r.awardYuan, r.evaluatedOn, JSON.stringify(r.subVenues), by],
    );
  }

  private async centers(): Promise<{ byVenue: Map<string, ReportRegion>; all: CenterRow[]; cityNames: Map<string, string> }> {
    const all = (await this.db.query<CenterRow>(`SELECT id, name, level, region_code AS "regionCode" FROM trading_centers ORDER BY region_code, id`)).rows;
    const cityNames = new Map(all.filter((c) => c.level === 'city').map((c) => [c.regionCode.slice(0, 4), c.name]));
    const byId = new Map(all.map((c) => [c.id, c]));
    const venues = (await this.db.query<{ id: string; centerId: string }>(`SELECT id, trading_center_id AS "centerId" FROM venues`)).rows;
    const byVenue = new Map(venues.map((v) => [v.id, regionOf(byId.get(v.centerId)!, cityNames)]));
    return { byVenue, all, cityNames };
  }

  /** Row regions under a prefix (province-level centers first) and the month's projects. */
  async monthData(month: string, prefix: string): Promise<{ rows: ReportRegion[]; projects: ReportProject[] }> {
    const { byVenue, all, cityNames } = await this.centers();
    const seen = new Set<string>();
    const rows: ReportRegion[] = [];
    const ordered = [...all.filter((c) => c.level === 'province'), ...all.filter((c) => c.level !== 'province')];
    for (const c of ordered.filter((c) => c.regionCode.startsWith(prefix))) {
      const r = regionOf(c, cityNames);
      if (!seen.has(r.key)) rows.push(r);
      seen.add(r.key);
    }
    const res = await this.db.query<{ projectCode: string; evaluatedOn: string; mainVenueId: string; remote: boolean; lots: number; budget: string; award: string; subVenues: { venueId: string; experts: number }[] }>(
      `SELECT project_code AS "projectCode", to_char(evaluated_on, 'YYYY-MM-DD') AS "evaluatedOn", main_venue_id AS "mainVenueId", remote, lots,
         budget_yuan::text AS budget, award_yuan::text AS award, sub_venues AS "subVenues"
       FROM evaluation_results WHERE to_char(evaluated_on, 'YYYY-MM') = $1 ORDER BY project_code`,
      [month],
    );
    const projects = res.rows.map((p) => ({
      projectCode: p.projectCode,
      evaluatedOn: p.evaluatedOn,
      main: byVenue.get(p.mainVenueId)!,
      remote: p.remote,
      lots: p.lots,
      budgetYuan: Number(p.budget),
      awardYuan: Number(p.award),
      subVenues: p.subVenues.map((s) => ({ region: byVenue.get(s.venueId)!, experts: s.experts })),
    }));
    return { rows, projects };
  }

  async venuesExist(ids: readonly string[]): Promise<boolean> {
    const r = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM venues WHERE id = ANY($1::text[])`, [[...new Set(ids)]]);
    return r.rows[0]?.n === new Set(ids).size;
  }
}
