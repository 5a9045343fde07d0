import { evaluatePolicy, LotFacts, ProjectFacts, PROVINCE_POLICIES, placementFor, XINYANG } from '../../src/rules/policy';

const lot = (id: string, category: LotFacts['category'], contractEstimate: number, extra: Partial<LotFacts> = {}): LotFacts => ({ id, category, contractEstimate, ...extra });
const project = (province: ProjectFacts['province'], lots: LotFacts[], extra: Partial<ProjectFacts> = {}): ProjectFacts => ({ province, lots, ...extra });

describe('Liaoning [L4, L3, L5]', () => {
  it.each([
    ['construction', 30_000_000, true],
    ['construction', 29_999_999, false],
    ['goods', 4_000_000, true],
    ['goods', 3_999_999, false],
    ['services', 2_000_000, true],
    ['services', 1_999_999, false],
  ] as const)('%s lot of %d → required %s', (category, amount, required) => {
    const d = evaluatePolicy(project('liaoning', [lot('1', category, amount)]));
    expect(d.required).toBe(required);
    expect(d.form).toBe(required ? 'intra_province' : null);
  });

  it('sums lots of the same category: 2 × 15,000,000 construction reaches 30,000,000', () => {
    const d = evaluatePolicy(project('liaoning', [lot('1', 'construction', 15_000_000), lot('2', 'construction', 15_000_000)]));
    expect(d.required).toBe(true);
    expect(d.triggers.map((t) => t.rule)).toEqual(['threshold sum']);
    expect(d.triggers[0]?.amount).toBe(30_000_000);
  });

  it('does not sum across categories: 2,999,999 goods + 1,000,001 services is not required', () => {
    const d = evaluatePolicy(project('liaoning', [lot('1', 'goods', 2_999_999), lot('2', 'services', 1_000_001)]));
    expect(d.required).toBe(false);
    const d2 = evaluatePolicy(project('liaoning', [lot('1', 'goods', 1_999_999), lot('2', 'goods', 2_000_001)]));
    expect(d2.required).toBe(true);
  });

  it('requires it for construction projects with total investment ≥ 30,000,000 even when lots are small', () => {
    expect(evaluatePolicy(project('liaoning', [lot('1', 'construction', 5_000_000)], { totalInvestment: 30_000_000 })).required).toBe(true);
    expect(evaluatePolicy(project('liaoning', [lot('1', 'construction', 5_000_000)], { totalInvestment: 29_999_999 })).required).toBe(false);
    // a goods-only tender is not a 施工类 project
    expect(evaluatePolicy(project('liaoning', [lot('1', 'goods', 100_000)], { totalInvestment: 50_000_000 })).required).toBe(false);
  });

  it('requires it for central budget / ultra-long special bonds, scarce experts, opt-in and supervisor decisions', () => {
    const small = [lot('1', 'services', 100_000)];
    expect(evaluatePolicy(project('liaoning', small, { funding: ['central_budget'] })).required).toBe(true);
    expect(evaluatePolicy(project('liaoning', small, { funding: ['ultra_long_special_bonds'] })).required).toBe(true);
    expect(evaluatePolicy(project('liaoning', small, { funding: ['other'] })).required).toBe(false);
    expect(evaluatePolicy(project('liaoning', small, { scarceExperts: true })).required).toBe(true);
    expect(evaluatePolicy(project('liaoning', small, { tendererOptIn: true })).required).toBe(true);
    expect(evaluatePolicy(project('liaoning', small, { supervisorDeemsNecessary: true })).required).toBe(true);
  });

  it('prefers intra-province, with local dispersed only as an emergency fallback', () => {
    const d = evaluatePolicy(project('liaoning', [lot('1', 'construction', 30_000_000)]));
    expect(d.allowedForms).toEqual(['intra_province', 'local_dispersed', 'cross_province']);
    expect(d.notes.join(' ')).toMatch(/consent/);
  });

  it('exempts only with a written reason and supervisor approval', () => {
    const lots = [lot('1', 'construction', 40_000_000)];
    const pending = evaluatePolicy(project('liaoning', lots, { exemption: { ground: 'classified', reason: '涉及国家秘密，确需集中评标' } }));
    expect(pending.required).toBe(true);
    expect(pending.exemption).toEqual({ status: 'pending_supervisor_approval' });
    const approved = evaluatePolicy(project('liaoning', lots, { exemption: { ground: 'small_budget', reason: '成本与评审效益明显失衡', approval: { approvedBy: 'sup-1', role: 'supervisor', approvedAt: '2026-11-20T08:00:00Z' } } }));
    expect(approved.required).toBe(false);
    expect(approved.requiredByRule).toBe(true);
    expect(approved.exemption).toEqual({ status: 'approved', approvedBy: 'sup-1' });
    const notSupervisor = evaluatePolicy(project('liaoning', lots, { exemption: { ground: 'classified', reason: '涉及国家秘密', approval: { approvedBy: 'x', role: 'venue_staff', approvedAt: '2026-11-20T08:00:00Z' } } }));
    expect(notSupervisor.required).toBe(true);
    const noReason = evaluatePolicy(project('liaoning', lots, { exemption: { ground: 'classified', reason: '  ' } }));
    expect(noReason.exemption).toEqual({ status: 'rejected', why: 'a written reason is required' });
    const badGround = evaluatePolicy(project('liaoning', lots, { exemption: { ground: 'special_evaluation_requirement', reason: '有特殊评标要求的项目' } }));
    expect(badGround.exemption.status).toBe('rejected');
  });
});

describe('Heilongjiang [H1, H2]', () => {
  it('requires intra-province evaluation for every mandatory tender', () => {
    const d = evaluatePolicy(project('heilongjiang', [lot('1', 'services', 10_000)]));
    expect(d.required).toBe(true);
    expect(d.form).toBe('intra_province');
  });

  it.each([
    ['construction', 100_000_000, 'cross_province'],
    ['construction', 99_999_999, 'intra_province'],
    ['goods', 20_000_000, 'cross_province'],
    ['goods', 19_999_999, 'intra_province'],
    ['services', 10_000_000, 'cross_province'],
    ['services', 9_999_999, 'intra_province'],
  ] as const)('%s lot of %d → %s', (category, amount, form) => {
    expect(evaluatePolicy(project('heilongjiang', [lot('1', category, amount)])).form).toBe(form);
  });

  it('EPC: any part at its threshold makes the whole EPC cross-province', () => {
    const epc = lot('epc', 'construction', 60_000_000, { epcParts: { construction: 40_000_000, goods: 20_000_000 } });
    const d = evaluatePolicy(project('heilongjiang', [epc]));
    expect(d.form).toBe('cross_province');
    expect(d.triggers.some((t) => t.rule === 'cross-province threshold EPC' && t.amount === 20_000_000)).toBe(true);
    const below = lot('epc', 'construction', 60_000_000, { epcParts: { construction: 40_000_000, goods: 19_999_999 } });
    expect(evaluatePolicy(project('heilongjiang', [below])).form).toBe('intra_province');
  });

  it('scarce experts and regulations push it cross-province', () => {
    expect(evaluatePolicy(project('heilongjiang', [lot('1', 'goods', 1)], { scarceExperts: true })).form).toBe('cross_province');
    expect(evaluatePolicy(project('heilongjiang', [lot('1', 'goods', 1)], { regulationRequiresCrossProvince: true })).form).toBe('cross_province');
  });

  it('does not sum lots (per 单项合同)', () => {
    expect(evaluatePolicy(project('heilongjiang', [lot('1', 'goods', 10_000_000), lot('2', 'goods', 10_000_000)])).form).toBe('intra_province');
  });

  it('exemption: a written statement filed after the award', () => {
    const d = evaluatePolicy(project('heilongjiang', [lot('1', 'goods', 1)], { exemption: { ground: 'technically_complex', reason: '专业特殊、技术复杂' } }));
    expect(d.required).toBe(false);
    expect(d.exemption).toEqual({ status: 'statement_to_file_after_award' });
    expect(d.notes.join()).toMatch(/after the award/);
    expect(evaluatePolicy(project('heilongjiang', [lot('1', 'goods', 1)], { exemption: { ground: 'small_budget', reason: '预算金额较小' } })).required).toBe(true);
  });
});

describe('Jilin [J1]', () => {
  it.each([
    ['construction', 10_000_000, true],
    ['construction', 9_999_999, false],
    ['goods', 8_000_000, true],
    ['goods', 7_999_999, false],
    ['services', 4_000_000, true],
    ['services', 3_999_999, false],
  ] as const)('%s lot of %d → required %s', (category, amount, required) => {
    expect(evaluatePolicy(project('jilin', [lot('1', category, amount)])).required).toBe(required);
  });

  it('counts the highest of contract estimate, investment estimate and budget', () => {
    expect(evaluatePolicy(project('jilin', [lot('1', 'construction', 5_000_000, { budget: 10_000_000 })])).required).toBe(true);
    expect(evaluatePolicy(project('jilin', [lot('1', 'construction', 5_000_000, { investmentEstimate: 10_000_000 })])).required).toBe(true);
    expect(evaluatePolicy(project('jilin', [lot('1', 'construction', 5_000_000, { budget: 9_999_999 })])).required).toBe(false);
    // Liaoning counts the contract estimate only
    expect(evaluatePolicy(project('liaoning', [lot('1', 'construction', 5_000_000, { budget: 40_000_000 })])).required).toBe(false);
  });

  it('EPC: any part at its threshold', () => {
    const epc = lot('epc', 'construction', 9_000_000, { epcParts: { construction: 5_000_000, services: 4_000_000 } });
    expect(evaluatePolicy(project('jilin', [epc])).required).toBe(true);
  });

  it('sums mergeable procurements of one project', () => {
    const lots = [lot('survey', 'services', 2_000_000, { mergeGroup: 'm' }), lot('design', 'services', 2_000_000, { mergeGroup: 'm' })];
    const d = evaluatePolicy(project('jilin', lots));
    expect(d.required).toBe(true);
    expect(d.triggers[0]?.rule).toBe('threshold merged');
    const apart = [lot('survey', 'services', 2_000_000), lot('design', 'services', 1_999_999)];
    expect(evaluatePolicy(project('jilin', apart)).required).toBe(false);
  });

  it('scarce experts', () => {
    expect(evaluatePolicy(project('jilin', [lot('1', 'goods', 1)], { scarceExperts: true })).required).toBe(true);
  });
});

describe('Xinyang [X 二, 三]', () => {
  it('requires it for mandatory tenders of works, encourages it for the rest', () => {
    expect(evaluatePolicy(project('xinyang', [lot('1', 'construction', 100_000)])).required).toBe(true);
    const other = evaluatePolicy(project('xinyang', [lot('1', 'construction', 100_000)], { mandatoryTender: false }));
    expect(other.required).toBe(false);
    expect(other.encouraged).toBe(true);
  });

  it('government procurement: works ≥ 4,000,000 required; goods/services ≥ 4,000,000 encouraged', () => {
    const gp = (lots: LotFacts[]) => evaluatePolicy(project('xinyang', lots, { regime: 'government_procurement' }));
    expect(gp([lot('1', 'construction', 4_000_000)]).required).toBe(true);
    expect(gp([lot('1', 'construction', 3_999_999)]).required).toBe(false);
    const goods = gp([lot('1', 'goods', 4_000_000)]);
    expect([goods.required, goods.encouraged]).toEqual([false, true]);
    const small = gp([lot('1', 'goods', 3_999_999)]);
    expect([small.required, small.encouraged]).toEqual([false, false]);
  });

  it('a tenderer’s application makes it required', () => {
    expect(evaluatePolicy(project('xinyang', [lot('1', 'goods', 1)], { regime: 'government_procurement', tendererOptIn: true })).required).toBe(true);
  });

  it.each([
    [19_999_999, 'within_city', 'local_dispersed'],
    [20_000_000, 'cross_city_encouraged', 'intra_province'],
    [99_999_999, 'cross_city_encouraged', 'intra_province'],
    [100_000_000, 'cross_city_or_province', 'intra_province'],
  ] as const)('places a project of %d: %s', (amount, band, form) => {
    const d = evaluatePolicy(project('xinyang', [lot('1', 'construction', amount)]));
    expect(d.placement?.band).toBe(band);
    expect(d.form).toBe(form);
  });

  it('a particularly major project goes cross-city or cross-province whatever its amount', () => {
    expect(placementFor(XINYANG, 1_000_000, true)?.band).toBe('cross_city_or_province');
    const d = evaluatePolicy(project('xinyang', [lot('1', 'construction', 100_000_000)]));
    expect(d.allowedForms).toEqual(['intra_province', 'cross_province']);
  });

  it('exemption needs supervisor approval', () => {
    const ex = { ground: 'special_evaluation_requirement' as const, reason: '有特殊评标要求' };
    expect(evaluatePolicy(project('xinyang', [lot('1', 'construction', 1)], { exemption: ex })).required).toBe(true);
    const ok = evaluatePolicy(project('xinyang', [lot('1', 'construction', 1)], { exemption: { ...ex, approval: { approvedBy: 's', role: 'supervisor', approvedAt: '2026-11-20T00:00:00Z' } } }));
    expect(ok.required).toBe(false);
  });
});

describe('policy data', () => {
  it('every province cites its source and has exemption grounds', () => {
    for (const p of Object.values(PROVINCE_POLICIES)) {
      expect(p.source.length).toBeGreaterThan(5);
      expect(p.exemption.grounds.length).toBeGreaterThan(0);
    }
  });
});
