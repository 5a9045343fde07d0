/** Types of the remote-evaluation policy (policy as data + one evaluator). Amounts are CNY yuan. */
export type Category = 'construction' | 'goods' | 'services';
export const CATEGORIES: readonly Category[] = ['construction', 'goods', 'services'];
export type Province = 'liaoning' | 'heilongjiang' | 'jilin' | 'xinyang';
export const PROVINCES: readonly Province[] = ['liaoning', 'heilongjiang', 'jilin', 'xinyang'];
/** L2: 本地分散评标 / 省内网络远程分布评标 / 跨省网络远程分布评标. */
export type EvaluationForm = 'local_dispersed' | 'intra_province' | 'cross_province';
export type Thresholds = Readonly<Record<Category, number>>;

export type ExemptionGround =
  | 'technically_complex' // 技术复杂 / 专业特殊 / 国家特殊要求
  | 'classified' // 涉及国家秘密、敏感信息 / 需多专业现场深度协同
  | 'overnight_unsupported' // 超过当日正常工作时间且不具备隔夜保障条件
  | 'small_budget' // 预算金额较小，成本与效益失衡
  | 'special_evaluation_requirement' // 有特殊评标要求 (Xinyang)
  | 'other'; // 其他经行政监督部门认定 / 法律法规规定 / 其他特殊原因

/** How an exemption becomes effective under a province's rule. */
export type ExemptionProcedure =
  /** L4, X 二.3: the tenderer applies and the supervision department must agree beforehand. */
  | 'prior_supervisor_approval'
  /** H2, J1(三): a written statement, filed with the supervision department after the award. */
  | 'written_statement_after_award';

export type Regime = 'tendering' | 'government_procurement';
/** L4.2: 中央预算内投资、超长期特别国债等国家政策性资金. */
export type FundingSource = 'central_budget' | 'ultra_long_special_bonds' | 'other_national_policy_funds' | 'other';

/** Where sub-venues go, by amount (Xinyang 三). */
export interface PlacementBand {
  readonly fromInclusive: number;
  readonly toExclusive: number | null;
  readonly band: 'within_city' | 'cross_city_encouraged' | 'cross_city_or_province';
  readonly forms: readonly EvaluationForm[];
  readonly text: string;
}

export interface ProvincePolicy {
  readonly province: Province;
  readonly name: string;
  readonly source: string;
  /** Every legally mandatory tender of engineering works requires remote evaluation (H1, X 二.1). */
  readonly allMandatoryTenders: boolean;
  /** Per lot thresholds at or above which remote evaluation is required (null: none). */
  readonly thresholds: Thresholds | null;
  /** Per lot thresholds for cross-province evaluation (H1). */
  readonly crossProvinceThresholds: Thresholds | null;
  /** Lots of the same category in one project are summed against the threshold (L4.1). */
  readonly sumSameCategoryLots: boolean;
  /** Mergeable procurements of one project are summed (J1(一)2). */
  readonly sumMergeableProcurements: boolean;
  /** EPC: any part (construction/goods/services) at its threshold pulls in the whole EPC. */
  readonly epcAnyPart: boolean;
  /** The highest of contract estimate, investment estimate and budget counts (J1(一)1). */
  readonly highestOfEstimateAndBudget: boolean;
  /** Construction projects with total investment at or above this require it (L4.1). */
  readonly totalInvestmentConstruction: number | null;
  /** Government procurement works at or above this require it; goods/services are encouraged (X). */
  readonly govProcurementWorks: number | null;
  readonly govProcurementGoodsServicesEncouraged: number | null;
  readonly triggers: {
    readonly policyFunding: boolean; // L4.2
    readonly scarceExperts: boolean | 'cross_province'; // L4.3, H1.5 (cross), J1(一)3
    readonly tendererOptIn: boolean; // L4.4, X 二.2
    readonly supervisorDeemsNecessary: boolean; // L4.4
    readonly regulationRequiresCrossProvince: boolean; // H1.6
  };
  readonly defaultForm: EvaluationForm;
  readonly fallbackForms: readonly { form: EvaluationForm; condition: string }[];
  readonly exemption: {
    readonly procedure: ExemptionProcedure;
    readonly grounds: readonly ExemptionGround[];
  };
  readonly placement: readonly PlacementBand[] | null;
}

export interface EpcParts {
  readonly construction?: number;
  readonly goods?: number;
  readonly services?: number;
}

export interface LotFacts {
  readonly id: string;
  readonly category: Category;
  /** 单项合同估算价 */
  readonly contractEstimate: number;
  /** 项目投资概算 (Jilin counts the highest of the three). */
  readonly investmentEstimate?: number;
  /** 资金预算 */
  readonly budget?: number;
  /** Set when the lot is an engineering procurement construction (工程总承包) contract. */
  readonly epcParts?: EpcParts;
  /** Procurements that can be merged share a group id (J1(一)2). */
  readonly mergeGroup?: string;
}

export interface ExemptionRequest {
  readonly ground: ExemptionGround;
  readonly reason: string;
  /** Supervisor approval, when the procedure needs it. */
  readonly approval?: { readonly approvedBy: string; readonly role: string; readonly approvedAt: string };
}

export interface ProjectFacts {
  readonly province: Province;
  readonly regime?: Regime;
  /** 依法必须招标 */
  readonly mandatoryTender?: boolean;
  readonly lots: readonly LotFacts[];
  readonly totalInvestment?: number;
  readonly funding?: readonly FundingSource[];
  readonly scarceExperts?: boolean;
  readonly tendererOptIn?: boolean;
  readonly supervisorDeemsNecessary?: boolean;
  readonly regulationRequiresCrossProvince?: boolean;
  /** 特别重大项目 (Xinyang placement). */
  readonly particularlyMajor?: boolean;
  readonly exemption?: ExemptionRequest;
}

export interface Trigger {
  readonly rule: string;
  readonly text: string;
  readonly lotIds: readonly string[];
  readonly amount?: number;
  readonly threshold?: number;
  /** The trigger requires cross-province evaluation (H1). */
  readonly crossProvince: boolean;
}

export type ExemptionState =
  | { readonly status: 'none' }
  | { readonly status: 'rejected'; readonly why: string }
  | { readonly status: 'pending_supervisor_approval' }
  | { readonly status: 'approved'; readonly approvedBy: string }
  | { readonly status: 'statement_to_file_after_award' };

export interface PolicyDecision {
  readonly province: Province;
  /** Remote evaluation is required after exemptions were considered. */
  readonly required: boolean;
  /** Required by the rules before exemptions were considered. */
  readonly requiredByRule: boolean;
  /** Remote evaluation, or a wider form than the minimum, is encouraged (X 二.1 goods/services, X 三). */
  readonly encouraged: boolean;
  readonly form: EvaluationForm | null;
  readonly allowedForms: readonly EvaluationForm[];
  readonly triggers: readonly Trigger[];
  readonly exemption: ExemptionState;
  readonly placement: PlacementBand | null;
  readonly notes: readonly string[];
}
