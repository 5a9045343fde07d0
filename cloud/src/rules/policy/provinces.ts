import { Province, ProvincePolicy } from './types';

const WAN = 10_000; // 万元

/** Liaoning guideline 辽发改法规〔2025〕843号 (seed 000), section 一(三)(四). */
export const LIAONING: ProvincePolicy = {
  province: 'liaoning',
  name: '辽宁省',
  source: '辽宁省工程建设项目远程异地评标组织实施操作指引（试行） §(三)(四)(五)',
  allMandatoryTenders: false,
  thresholds: { construction: 3000 * WAN, goods: 400 * WAN, services: 200 * WAN },
  crossProvinceThresholds: null,
  sumSameCategoryLots: true,
  sumMergeableProcurements: false,
  epcAnyPart: false, // EPC counts as construction (工程施工类（含工程总承包）)
  highestOfEstimateAndBudget: false,
  totalInvestmentConstruction: 3000 * WAN,
  govProcurementWorks: null,
  govProcurementGoodsServicesEncouraged: null,
  triggers: {
    policyFunding: true,
    scarceExperts: true,
    tendererOptIn: true,
    supervisorDeemsNecessary: true,
    regulationRequiresCrossProvince: false,
  },
  defaultForm: 'intra_province', // (三) 原则上优先采取省内远程异地分布评标
  fallbackForms: [
    { form: 'local_dispersed', condition: '(三) force majeure or emergency, with the supervision department’s consent' },
    { form: 'cross_province', condition: '(三) once nationwide conditions are mature; (十六) under a cooperation agreement' },
  ],
  exemption: {
    procedure: 'prior_supervisor_approval',
    grounds: ['technically_complex', 'classified', 'overnight_unsupported', 'small_budget', 'other'],
  },
  placement: null,
};

/** Heilongjiang work plan (seed 001), section 一. */
export const HEILONGJIANG: ProvincePolicy = {
  province: 'heilongjiang',
  name: '黑龙江省',
  source: '全面推广远程异地评标工作安排（试行） §一(一)(二)',
  allMandatoryTenders: true, // 全省依法必须招标的工程项目原则上应当实行远程异地评标
  thresholds: null,
  crossProvinceThresholds: { construction: 10_000 * WAN, goods: 2000 * WAN, services: 1000 * WAN },
  sumSameCategoryLots: false,
  sumMergeableProcurements: false,
  epcAnyPart: true,
  highestOfEstimateAndBudget: false,
  totalInvestmentConstruction: null,
  govProcurementWorks: null,
  govProcurementGoodsServicesEncouraged: null,
  triggers: {
    policyFunding: false,
    scarceExperts: 'cross_province',
    tendererOptIn: false,
    supervisorDeemsNecessary: false,
    regulationRequiresCrossProvince: true,
  },
  defaultForm: 'intra_province', // 其他项目原则上实行省内跨区域远程异地评标
  fallbackForms: [],
  exemption: { procedure: 'written_statement_after_award', grounds: ['technically_complex', 'classified', 'other'] },
  placement: null,
};

/** Jilin notice 吉发改法规联〔2026〕146号 (seed 003), section 一. */
export const JILIN: ProvincePolicy = {
  province: 'jilin',
  name: '吉林省',
  source: '关于加快推广远程异地评标工作的通知 §一(一)(二)(三)',
  allMandatoryTenders: false,
  thresholds: { construction: 1000 * WAN, goods: 800 * WAN, services: 400 * WAN },
  crossProvinceThresholds: null, // (二) 跨省远程异地评标的标准按照国家相关规定实行
  sumSameCategoryLots: false,
  sumMergeableProcurements: true,
  epcAnyPart: true,
  highestOfEstimateAndBudget: true,
  totalInvestmentConstruction: null,
  govProcurementWorks: null,
  govProcurementGoodsServicesEncouraged: null,
  triggers: {
    policyFunding: false,
    scarceExperts: true,
    tendererOptIn: false,
    supervisorDeemsNecessary: false,
    regulationRequiresCrossProvince: true, // (二) national rules decide cross-province
  },
  defaultForm: 'intra_province',
  fallbackForms: [],
  exemption: { procedure: 'written_statement_after_award', grounds: ['technically_complex', 'classified', 'other'] },
  placement: null,
};

/** Xinyang notice 信公管办〔2022〕7号 (seed 004), sections 二 and 三. */
export const XINYANG: ProvincePolicy = {
  province: 'xinyang',
  name: '河南省信阳市',
  source: '关于推进远程异地评标常态化的通知 §二 §三',
  allMandatoryTenders: true, // 依法依规必须招标的工程项目，应当采用远程异地评标
  thresholds: null,
  crossProvinceThresholds: null,
  sumSameCategoryLots: false,
  sumMergeableProcurements: false,
  epcAnyPart: false,
  highestOfEstimateAndBudget: false,
  totalInvestmentConstruction: null,
  govProcurementWorks: 400 * WAN,
  govProcurementGoodsServicesEncouraged: 400 * WAN,
  triggers: {
    policyFunding: false,
    scarceExperts: false,
    tendererOptIn: true,
    supervisorDeemsNecessary: false,
    regulationRequiresCrossProvince: false,
  },
  defaultForm: 'local_dispersed',
  fallbackForms: [],
  exemption: {
    procedure: 'prior_supervisor_approval',
    grounds: ['technically_complex', 'special_evaluation_requirement', 'other'],
  },
  // "以上/以下" include the number in Chinese legal usage, so 20,000,000 belongs to both
  // "2000万元以下" and "2000万元以上…": we place it in the stricter (higher) band; same for 1亿.
  placement: [
    { fromInclusive: 0, toExclusive: 2000 * WAN, band: 'within_city', forms: ['local_dispersed'], text: '2000万元以下的一般在市域内进行' },
    {
      fromInclusive: 2000 * WAN,
      toExclusive: 10_000 * WAN,
      band: 'cross_city_encouraged',
      forms: ['intra_province', 'local_dispersed'],
      text: '2000万元以上1亿元以下的鼓励省内跨市域进行',
    },
    {
      fromInclusive: 10_000 * WAN,
      toExclusive: null,
      band: 'cross_city_or_province',
      forms: ['intra_province', 'cross_province'],
      text: '1亿元以上项目或特别重大项目原则上跨市域或省域进行',
    },
  ],
};

export const PROVINCE_POLICIES: Readonly<Record<Province, ProvincePolicy>> = {
  liaoning: LIAONING,
  heilongjiang: HEILONGJIANG,
  jilin: JILIN,
  xinyang: XINYANG,
};
