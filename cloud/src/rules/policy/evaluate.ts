import { PROVINCE_POLICIES } from './provinces';
import {
  CATEGORIES,
  Category,
  EvaluationForm,
  ExemptionState,
  LotFacts,
  PlacementBand,
  PolicyDecision,
  ProjectFacts,
  Province,
  ProvincePolicy,
  Thresholds,
  Trigger,
} from './types';

const POLICY_FUNDS = new Set(['central_budget', 'ultra_long_special_bonds', 'other_national_policy_funds']);
const MIN_REASON_CHARS = 4;

/** The amount of a lot that a province compares with its thresholds. */
export function lotAmount(policy: ProvincePolicy, lot: LotFacts): number {
  if (!policy.highestOfEstimateAndBudget) return lot.contractEstimate;
  return Math.max(lot.contractEstimate, lot.investmentEstimate ?? 0, lot.budget ?? 0);
}

function thresholdTriggers(
  policy: ProvincePolicy,
  lots: readonly LotFacts[],
  t: Thresholds,
  crossProvince: boolean,
  rule: string,
): Trigger[] {
  const out: Trigger[] = [];
  for (const lot of lots) {
    const amount = lotAmount(policy, lot);
    if (amount >= t[lot.category]) {
      out.push({ rule, text: `lot ${lot.id}: ${lot.category} ${amount} ≥ ${t[lot.category]}`, lotIds: [lot.id], amount, threshold: t[lot.category], crossProvince });
    }
    if (policy.epcAnyPart && lot.epcParts) {
      for (const c of CATEGORIES) {
        const part = lot.epcParts[c];
        if (part !== undefined && part >= t[c]) {
          out.push({ rule: `${rule} EPC`, text: `EPC lot ${lot.id}: its ${c} part ${part} ≥ ${t[c]}, so the whole EPC`, lotIds: [lot.id], amount: part, threshold: t[c], crossProvince });
        }
      }
    }
  }
  if (policy.sumSameCategoryLots) {
    for (const c of CATEGORIES) {
      const same = lots.filter((l) => l.category === c);
      const sum = same.reduce((a, l) => a + lotAmount(policy, l), 0);
      if (same.length >= 2 && sum >= t[c]) {
        out.push({ rule: `${rule} sum`, text: `${same.length} ${c} lots total ${sum} ≥ ${t[c]}`, lotIds: same.map((l) => l.id), amount: sum, threshold: t[c], crossProvince });
      }
    }
  }
  if (policy.sumMergeableProcurements) {
    const groups = new Map<string, LotFacts[]>();
    for (const l of lots) if (l.mergeGroup) groups.set(l.mergeGroup, [...(groups.get(l.mergeGroup) ?? []), l]);
    for (const [group, members] of groups) {
      if (members.length < 2) continue;
      const sum = members.reduce((a, l) => a + lotAmount(policy, l), 0);
      // The merged procurement takes the category of its largest part.
      const main = members.reduce((a, l) => (lotAmount(policy, l) > lotAmount(policy, a) ? l : a));
      const threshold = t[main.category];
      if (sum >= threshold) {
        out.push({ rule: `${rule} merged`, text: `mergeable group ${group} (${main.category}) total ${sum} ≥ ${threshold}`, lotIds: members.map((l) => l.id), amount: sum, threshold, crossProvince });
      }
    }
  }
  return out;
}

function sumOf(policy: ProvincePolicy, lots: readonly LotFacts[], categories: readonly Category[]): number {
  return lots.filter((l) => categories.includes(l.category)).reduce((a, l) => a + lotAmount(policy, l), 0);
}

/** Xinyang 三: where sub-venues go, by the project's contract estimate. */
export function placementFor(policy: ProvincePolicy, amount: number, particularlyMajor = false): PlacementBand | null {
  if (!policy.placement) return null;
  const bands = policy.placement;
  if (particularlyMajor) return bands[bands.length - 1] ?? null;
  return bands.find((b) => amount >= b.fromInclusive && (b.toExclusive === null || amount < b.toExclusive)) ?? null;
}

function exemptionState(policy: ProvincePolicy, facts: ProjectFacts, requiredByRule: boolean): ExemptionState {
  const ex = facts.exemption;
  if (!ex || !requiredByRule) return { status: 'none' };
  if (ex.reason.trim().length < MIN_REASON_CHARS) return { status: 'rejected', why: 'a written reason is required' };
  if (!policy.exemption.grounds.includes(ex.ground)) {
    return { status: 'rejected', why: `ground ${ex.ground} is not an exemption in ${policy.name}` };
  }
  if (policy.exemption.procedure === 'written_statement_after_award') return { status: 'statement_to_file_after_award' };
  if (ex.approval && ex.approval.role === 'supervisor' && ex.approval.approvedBy.trim() !== '') {
    return { status: 'approved', approvedBy: ex.approval.approvedBy };
  }
  return { status: 'pending_supervisor_approval' };
}

/** Is remote evaluation required for this project, and in which form? Pure. */
export function evaluatePolicy(
  facts: ProjectFacts,
  policies: Readonly<Record<Province, ProvincePolicy>> = PROVINCE_POLICIES,
): PolicyDecision {
  const p = policies[facts.province];
  const regime = facts.regime ?? 'tendering';
  const mandatory = facts.mandatoryTender ?? regime === 'tendering';
  const triggers: Trigger[] = [];
  const notes: string[] = [];
  const allIds = facts.lots.map((l) => l.id);
  let encouraged = false;

  if (mandatory && regime === 'tendering') {
    if (p.allMandatoryTenders) {
      triggers.push({ rule: 'all mandatory tenders', text: `${p.name}: every legally mandatory tender of works`, lotIds: allIds, crossProvince: false });
    }
    if (p.thresholds) triggers.push(...thresholdTriggers(p, facts.lots, p.thresholds, false, 'threshold'));
    if (p.crossProvinceThresholds) {
      triggers.push(...thresholdTriggers(p, facts.lots, p.crossProvinceThresholds, true, 'cross-province threshold'));
    }
    const hasConstruction = facts.lots.some((l) => l.category === 'construction');
    if (p.totalInvestmentConstruction !== null && hasConstruction && (facts.totalInvestment ?? 0) >= p.totalInvestmentConstruction) {
      triggers.push({ rule: 'total investment', text: `construction project total investment ${facts.totalInvestment} ≥ ${p.totalInvestmentConstruction}`, lotIds: allIds, amount: facts.totalInvestment, threshold: p.totalInvestmentConstruction, crossProvince: false });
    }
    if (p.triggers.policyFunding && (facts.funding ?? []).some((f) => POLICY_FUNDS.has(f))) {
      triggers.push({ rule: 'policy funding', text: 'funded by central budget / ultra-long special treasury bonds', lotIds: allIds, crossProvince: false });
    }
    if (p.triggers.scarceExperts && facts.scarceExperts) {
      triggers.push({ rule: 'scarce experts', text: 'local expert pool lacks the required specialty', lotIds: allIds, crossProvince: p.triggers.scarceExperts === 'cross_province' });
    }
    if (p.triggers.supervisorDeemsNecessary && facts.supervisorDeemsNecessary) {
      triggers.push({ rule: 'supervisor', text: 'the supervision department deems it necessary', lotIds: allIds, crossProvince: false });
    }
    if (p.triggers.regulationRequiresCrossProvince && facts.regulationRequiresCrossProvince) {
      triggers.push({ rule: 'regulation', text: 'a regulation requires cross-province evaluation', lotIds: allIds, crossProvince: true });
    }
  }
  if (regime === 'government_procurement') {
    const works = sumOf(p, facts.lots, ['construction']);
    if (p.govProcurementWorks !== null && works >= p.govProcurementWorks) {
      triggers.push({ rule: 'government procurement works', text: `works ${works} ≥ ${p.govProcurementWorks}`, lotIds: allIds, amount: works, threshold: p.govProcurementWorks, crossProvince: false });
    }
    const gs = sumOf(p, facts.lots, ['goods', 'services']);
    if (p.govProcurementGoodsServicesEncouraged !== null && gs >= p.govProcurementGoodsServicesEncouraged) encouraged = true;
  }
  if (p.triggers.tendererOptIn && facts.tendererOptIn) {
    triggers.push({ rule: 'tenderer opts in', text: 'the tenderer applies for remote evaluation', lotIds: allIds, crossProvince: false });
  }
  if (p.province === 'xinyang' && !mandatory && regime === 'tendering') encouraged = true; // 其他项目鼓励采用

  const requiredByRule = triggers.length > 0;
  const exemption = exemptionState(p, facts, requiredByRule);
  const exempted = exemption.status === 'approved' || exemption.status === 'statement_to_file_after_award';
  const required = requiredByRule && !exempted;
  if (exemption.status === 'statement_to_file_after_award') {
    notes.push('file the written statement with the supervision department after the award');
  }

  const projectAmount = facts.lots.reduce((a, l) => a + lotAmount(p, l), 0);
  const placement = placementFor(p, projectAmount, facts.particularlyMajor);
  let form: EvaluationForm | null = null;
  let allowedForms: EvaluationForm[] = [];
  if (required || encouraged) {
    if (triggers.some((t) => t.crossProvince)) {
      form = 'cross_province';
      allowedForms = ['cross_province'];
    } else if (placement) {
      form = placement.band === 'within_city' ? 'local_dispersed' : 'intra_province';
      allowedForms = [...placement.forms];
      if (placement.band !== 'within_city') encouraged = true;
    } else {
      form = p.defaultForm;
      allowedForms = [p.defaultForm, ...p.fallbackForms.map((f) => f.form)];
      p.fallbackForms.forEach((f) => notes.push(`${f.form}: ${f.condition}`));
    }
  }
  return { province: p.province, required, requiredByRule, encouraged, form, allowedForms, triggers, exemption, placement, notes };
}
