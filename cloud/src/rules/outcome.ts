/** The outcome of a rule check: every refusal names its code, the seed clause and a reason. */
export type RuleOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: string; readonly rule: string; readonly reason: string };

export const OK: RuleOutcome = { ok: true };

export function refuse(code: string, rule: string, reason: string): RuleOutcome {
  return { ok: false, code, rule, reason };
}

/** The first refusal of a list of checks, or OK. */
export function firstRefusal(outcomes: readonly RuleOutcome[]): RuleOutcome {
  return outcomes.find((o) => !o.ok) ?? OK;
}
