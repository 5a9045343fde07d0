import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Roles } from '../auth/roles.decorator';
import { ApiZodBody, ZodPipe, type Infer } from '../http/zod';
import { CATEGORIES, evaluatePolicy, PROVINCE_POLICIES, PROVINCES, type Category, type Province } from './policy';

const Yuan = z.number().int().nonnegative().max(1e15);
const Cat = z.enum(CATEGORIES as [Category, ...Category[]]);
export const PolicyBody = z.strictObject({
  province: z.enum(PROVINCES as [Province, ...Province[]]),
  regime: z.enum(['tendering', 'government_procurement']).optional(),
  mandatoryTender: z.boolean().optional(),
  lots: z.array(z.strictObject({
    id: z.string().min(1).max(64),
    category: Cat,
    contractEstimate: Yuan,
    investmentEstimate: Yuan.optional(),
    budget: Yuan.optional(),
    epcParts: z.strictObject({ construction: Yuan.optional(), goods: Yuan.optional(), services: Yuan.optional() }).optional(),
    mergeGroup: z.string().max(64).optional(),
  })).min(1).max(500),
  totalInvestment: Yuan.optional(),
  funding: z.array(z.enum(['central_budget', 'ultra_long_special_bonds', 'other_national_policy_funds', 'other'])).optional(),
  scarceExperts: z.boolean().optional(),
  tendererOptIn: z.boolean().optional(),
  supervisorDeemsNecessary: z.boolean().optional(),
  regulationRequiresCrossProvince: z.boolean().optional(),
  particularlyMajor: z.boolean().optional(),
  exemption: z.strictObject({
    ground: z.enum(['technically_complex', 'classified', 'overnight_unsupported', 'small_budget', 'special_evaluation_requirement', 'other']),
    reason: z.string().max(4000),
    approval: z.strictObject({ approvedBy: z.string().min(1).max(64), role: z.string().max(32), approvedAt: z.iso.datetime({ offset: true }) }).optional(),
  }).optional(),
});

@ApiTags('policy')
@ApiBearerAuth()
@Controller('v1/policy')
export class PolicyController {
  @Post('evaluate')
  @HttpCode(200)
  @Roles('admin', 'central_ops', 'supervisor', 'venue_staff')
  @ApiOperation({ summary: 'Is remote evaluation required, in which form and placement (L4, H1, J1, X)?' })
  @ApiZodBody(PolicyBody)
  evaluate(@Body(new ZodPipe(PolicyBody)) b: Infer<typeof PolicyBody>) {
    return evaluatePolicy(b);
  }

  @Get('provinces')
  @Roles('admin', 'central_ops', 'supervisor', 'venue_staff', 'technician')
  @ApiOperation({ summary: 'The policy data per province, with sources' })
  provinces() {
    return PROVINCE_POLICIES;
  }
}
