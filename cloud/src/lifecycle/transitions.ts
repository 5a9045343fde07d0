/**
 * Session lifecycle as a pure transition table with guards. L24 supplementary draw, L25 overnight,
 * L26 fallback to local centralized evaluation, L27 system failure (wait / re-form / continue /
 * dissolve with sealed e-files and void opinions), L28 every emergency recorded.
 */
export const SESSION_STATUSES = [
  'scheduled',
  'checking_in',
  'in_progress',
  'overnight',
  'signing',
  'closed',
  'archived',
  'fault_before_start',
  'fault_during',
  'converted_local',
  'dissolved',
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const SESSION_ACTIONS = [
  'start_check_in',
  'supplementary_draw',
  'start_evaluation',
  'suspend_overnight',
  'resume',
  'start_signing',
  'close',
  'archive',
  'report_system_fault',
  'fault_cleared',
  'fallback_local',
  'dissolve',
] as const;
export type SessionAction = (typeof SESSION_ACTIONS)[number];

export type ActorRole = 'technician' | 'venue_staff' | 'central_ops' | 'supervisor' | 'admin';

/** Side effects the caller must carry out after recording the transition. */
export type TransitionEffect =
  | 'republish_desired_state'
  | 'reveal_draw_seed'
  | 'unseal_sub_venues'
  | 'supplementary_draw'
  | 'seal_e_files'
  | 'void_opinions'
  | 'reform_committee'
  | 'draw_local_experts'
  | 'record_emergency';

export interface TransitionContext {
  readonly role: ActorRole;
  readonly reason: string;
  /** The project supervision department agreed (L26, L27). */
  readonly supervisorConsent?: boolean;
  /** Experts who passed identity check / committee size. */
  readonly checkedIn?: number;
  readonly committeeSize?: number;
  /** Every member signed the report (LS7.2.4). */
  readonly allSigned?: boolean;
  /** Sub-venue records and footage handed over (H8, L17). */
  readonly handedOver?: boolean;
  /** The fault began and was cleared on the same day (L27). */
  readonly sameDay?: boolean;
  /** The failure is a technical failure of the evaluation system (L26 excludes it). */
  readonly systemFailure?: boolean;
}

interface Rule {
  readonly from: readonly SessionStatus[];
  /** The target; a function when it depends on the context or the source. */
  readonly to: SessionStatus | ((from: SessionStatus, ctx: TransitionContext) => SessionStatus);
  readonly roles: readonly ActorRole[];
  readonly clause: string;
  readonly emergency: boolean;
  readonly guard?: (ctx: TransitionContext, from: SessionStatus) => string | null;
  readonly effects: readonly TransitionEffect[];
}

const OPS: readonly ActorRole[] = ['venue_staff', 'central_ops', 'admin'];
const consent = (ctx: TransitionContext): string | null => (ctx.supervisorConsent || ctx.role === 'supervisor' ? null : 'needs the supervision department’s consent');

export const TRANSITIONS: Readonly<Record<SessionAction, Rule>> = {
  start_check_in: { from: ['scheduled'], to: 'checking_in', roles: OPS, clause: 'LS7.2.1', emergency: false, effects: ['republish_desired_state'] },
  supplementary_draw: {
    from: ['scheduled', 'checking_in'],
    to: (from) => from,
    roles: OPS,
    clause: 'L24',
    emergency: true,
    effects: ['supplementary_draw', 'republish_desired_state', 'record_emergency'],
  },
  start_evaluation: {
    from: ['checking_in'],
    to: 'in_progress',
    roles: OPS,
    clause: 'LS7.2.1',
    emergency: false,
    guard: (ctx) =>
      ctx.committeeSize !== undefined && ctx.checkedIn !== undefined && ctx.checkedIn < ctx.committeeSize
        ? `${ctx.checkedIn} of ${ctx.committeeSize} experts passed identity check: draw a replacement first (L24)`
        : null,
    effects: ['reveal_draw_seed', 'unseal_sub_venues', 'republish_desired_state'],
  },
  suspend_overnight: { from: ['in_progress'], to: 'overnight', roles: OPS, clause: 'L25', emergency: true, effects: ['republish_desired_state', 'record_emergency'] },
  resume: { from: ['overnight'], to: 'in_progress', roles: OPS, clause: 'L25', emergency: false, effects: ['republish_desired_state'] },
  start_signing: { from: ['in_progress'], to: 'signing', roles: OPS, clause: 'LS7.2.4', emergency: false, effects: ['republish_desired_state'] },
  close: {
    from: ['signing'],
    to: 'closed',
    roles: OPS,
    clause: 'LS7.2.4',
    emergency: false,
    guard: (ctx) => (ctx.allSigned === false ? 'every member signs the report before the end command' : null),
    effects: ['republish_desired_state'],
  },
  archive: {
    from: ['closed', 'converted_local', 'dissolved'],
    to: 'archived',
    roles: ['central_ops', 'admin'],
    clause: 'LS7.2.5',
    emergency: false,
    guard: (ctx) => (ctx.handedOver === false ? 'sub-venue records and footage are not handed over yet' : null),
    effects: [],
  },
  report_system_fault: {
    from: ['scheduled', 'checking_in', 'in_progress', 'overnight'],
    to: (from) => (from === 'in_progress' || from === 'overnight' ? 'fault_during' : 'fault_before_start'),
    roles: [...OPS, 'technician'],
    clause: 'L27',
    emergency: true,
    effects: ['republish_desired_state', 'record_emergency'],
  },
  fault_cleared: {
    from: ['fault_before_start', 'fault_during'],
    to: (from) => (from === 'fault_during' ? 'in_progress' : 'checking_in'),
    roles: [...OPS, 'technician'],
    clause: 'L27',
    emergency: true,
    guard: (ctx, from) => (from === 'fault_during' && ctx.sameDay !== true ? 'fixed after the day it started: dissolve the committee (L27)' : null),
    effects: ['republish_desired_state', 'record_emergency'],
  },
  fallback_local: {
    from: ['scheduled', 'checking_in', 'in_progress', 'overnight'],
    to: 'converted_local',
    roles: [...OPS, 'supervisor'],
    clause: 'L26',
    emergency: true,
    guard: (ctx) => (ctx.systemFailure ? 'a system failure follows L27, not L26' : consent(ctx)),
    effects: ['draw_local_experts', 'republish_desired_state', 'record_emergency'],
  },
  dissolve: {
    from: ['fault_before_start', 'fault_during'],
    to: 'dissolved',
    roles: [...OPS, 'supervisor'],
    clause: 'L27',
    emergency: true,
    guard: (ctx, from) => consent(ctx) ?? (from === 'fault_during' && ctx.sameDay === true ? 'the fault was fixed the same day: continue instead' : null),
    effects: ['reform_committee', 'republish_desired_state', 'record_emergency'],
  },
};

export type TransitionResult =
  | { readonly ok: true; readonly from: SessionStatus; readonly to: SessionStatus; readonly clause: string; readonly emergency: boolean; readonly effects: readonly TransitionEffect[] }
  | { readonly ok: false; readonly code: string; readonly reason: string };

/** Decide a transition. Pure: the caller records it and carries out its effects. */
export function decideTransition(from: SessionStatus, action: SessionAction, ctx: TransitionContext): TransitionResult {
  const rule = TRANSITIONS[action];
  if (!rule) return { ok: false, code: 'unknown_action', reason: `unknown action ${String(action)}` };
  if (!rule.from.includes(from)) return { ok: false, code: 'invalid_transition', reason: `${action} is not possible from ${from}` };
  if (!rule.roles.includes(ctx.role)) return { ok: false, code: 'forbidden', reason: `role ${ctx.role} may not ${action}` };
  if (rule.emergency && ctx.reason.trim().length === 0) return { ok: false, code: 'reason_required', reason: `${action} is an emergency path (${rule.clause}): give the reason` };
  const blocked = rule.guard?.(ctx, from) ?? null;
  if (blocked) return { ok: false, code: 'guard_failed', reason: blocked };
  const to = typeof rule.to === 'function' ? rule.to(from, ctx) : rule.to;
  const effects: TransitionEffect[] = [...rule.effects];
  // L27: dissolving after the evaluation started seals the e-files and voids the opinions.
  if (action === 'dissolve' && from === 'fault_during') effects.unshift('seal_e_files', 'void_opinions');
  return { ok: true, from, to, clause: rule.clause, emergency: rule.emergency, effects };
}

/** Statuses in which the session has started (sealed sub-venues are revealed to the main venue). */
export function hasStarted(status: SessionStatus): boolean {
  return !['scheduled', 'checking_in', 'fault_before_start'].includes(status);
}

/** Statuses in which identity checks run and venues may see checked-in experts. */
export function checkInOpen(status: SessionStatus): boolean {
  return status !== 'scheduled' && status !== 'fault_before_start';
}
