import { Controller, Get, Inject, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/roles.decorator';
import { ApiZodQuery, ZodPipe, type Infer } from '../http/zod';
import { regionFor } from '../rules/jurisdiction';
import { httpRefusal } from '../rules/http-outcome';
import { buildMonthlyReport, reportCsv, reportSheet } from './monthly';
import { ReportsRepository } from './reports.repository';
import { writeXlsx } from './xlsx';

/** The part of the HTTP response this controller uses (express's Response). */
interface HeaderSink {
  setHeader(name: string, value: string): unknown;
}

export const MonthlyQuery = z.strictObject({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/),
  region: z.string().regex(/^\d{2}(\d{2})?$/),
  format: z.enum(['json', 'csv', 'xlsx']).default('json'),
});

@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports')
export class ReportsController {
  constructor(@Inject(ReportsRepository) private readonly repo: ReportsRepository) {}

  @Get('monthly')
  @Roles('admin', 'central_ops', 'supervisor')
  @ApiProduces('application/json', 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @ApiOperation({ summary: 'Monthly dispatch report in the Jilin table layout (J 六, H 六) for a month and region' })
  @ApiZodQuery(MonthlyQuery)
  async monthly(@Query(new ZodPipe(MonthlyQuery)) q: Infer<typeof MonthlyQuery>, @CurrentCaller() caller: Caller, @Res({ passthrough: true }) res: HeaderSink) {
    if (regionFor(caller, q.region) !== q.region) throw httpRefusal(403, { code: 'forbidden', reason: 'outside your jurisdiction' });
    const { rows, projects } = await this.repo.monthData(q.month, q.region);
    const report = buildMonthlyReport(q.month, q.region, rows, projects);
    const name = `dispatch-${q.region}-${q.month}`;
    if (q.format === 'csv') {
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      res.setHeader('content-disposition', `attachment; filename="${name}.csv"`);
      return reportCsv(report);
    }
    if (q.format === 'xlsx') {
      return new StreamableFile(writeXlsx(reportSheet(report)), {
        type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        disposition: `attachment; filename="${name}.xlsx"`,
      });
    }
    return report;
  }
}
