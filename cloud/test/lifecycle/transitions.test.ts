import { decideTransition, SESSION_ACTIONS, SESSION_STATUSES, TransitionContext } from '../../src/lifecycle/transitions';

const staff = (extra: Partial<TransitionContext> = {}): TransitionContext => ({ role: 'venue_staff', reason: '', ...extra });

describe('session lifecycle', () => {
  it('runs the normal path scheduled → … → archived', () => {
    const steps: Array<[string, Parameters<typeof decideTransition>[1], TransitionContext, string]> = [
      ['scheduled', 'start_check_in', staff(), 'checking_in'],
      ['checking_in', 'start_evaluation', staff({ checkedIn: 9, committeeSize: 9 }), 'in_progress'],
      ['in_progress', 'start_signing', staff(), 'signing'],
      ['signing', 'close', staff({ allSigned: true }), 'closed'],
      ['closed', 'archive', { role: 'central_ops', reason: '', handedOver: true }, 'archived'],
    ];
    for (const [from, action, ctx, to] of steps) {
      const r = decideTransition(from as never, action, ctx);
      expect(r).toMatchObject({ ok: true, to });
    }
    const start = decideTransition('checking_in', 'start_evaluation', staff({ checkedIn: 9, committeeSize: 9 }));
    expect(start.ok && start.effects).toEqual(expect.arrayContaining(['reveal_draw_seed', 'unseal_sub_venues', 'republish_desired_state']));
  });

  it('refuses to start with an absent expert; L24 supplementary draw keeps the status', () => {
    expect(decideTransition('checking_in', 'start_evaluation', staff({ checkedIn: 8, committeeSize: 9 }))).toMatchObject({ ok: false, code: 'guard_failed' });
    expect(decideTransition('checking_in', 'supplementary_draw', staff())).toMatchObject({ ok: false, code: 'reason_required' });
    expect(decideTransition('checking_in', 'supplementary_draw', staff({ reason: '专家甲因病请假' }))).toMatchObject({ ok: true, to: 'checking_in' });
  });

  it('L25 overnight and resume', () => {
    expect(decideTransition('in_progress', 'suspend_overnight', staff({ reason: '当日未能完成评标' }))).toMatchObject({ ok: true, to: 'overnight' });
    expect(decideTransition('overnight', 'resume', staff())).toMatchObject({ ok: true, to: 'in_progress' });
  });

  it('L26 fallback to local evaluation needs supervisor consent and is not for system failures', () => {
    expect(decideTransition('in_progress', 'fallback_local', staff({ reason: '暴雪断路' }))).toMatchObject({ ok: false, code: 'guard_failed' });
    expect(decideTransition('in_progress', 'fallback_local', staff({ reason: '暴雪断路', supervisorConsent: true }))).toMatchObject({ ok: true, to: 'converted_local' });
    expect(decideTransition('in_progress', 'fallback_local', staff({ reason: '系统宕机', supervisorConsent: true, systemFailure: true }))).toMatchObject({ ok: false });
  });

  it('L27 before the start: wait for the fix, or dissolve and re-form with consent', () => {
    const fault = decideTransition('checking_in', 'report_system_fault', { role: 'technician', reason: '评标系统故障' });
    expect(fault).toMatchObject({ ok: true, to: 'fault_before_start' });
    expect(decideTransition('fault_before_start', 'fault_cleared', { role: 'technician', reason: '已恢复' })).toMatchObject({ ok: true, to: 'checking_in' });
    const d = decideTransition('fault_before_start', 'dissolve', { role: 'supervisor', reason: '重新组建评标委员会' });
    expect(d).toMatchObject({ ok: true, to: 'dissolved' });
    expect(d.ok && d.effects).toEqual(['reform_committee', 'republish_desired_state', 'record_emergency']);
  });

  it('L27 during evaluation: fixed the same day → continue, else dissolve, seal e-files, void opinions', () => {
    expect(decideTransition('in_progress', 'report_system_fault', staff({ reason: 'fault' }))).toMatchObject({ ok: true, to: 'fault_during' });
    expect(decideTransition('fault_during', 'fault_cleared', staff({ reason: 'fixed', sameDay: true }))).toMatchObject({ ok: true, to: 'in_progress' });
    expect(decideTransition('fault_during', 'fault_cleared', staff({ reason: 'fixed next day', sameDay: false }))).toMatchObject({ ok: false, code: 'guard_failed' });
    expect(decideTransition('fault_during', 'dissolve', staff({ reason: 'x', supervisorConsent: true, sameDay: true }))).toMatchObject({ ok: false });
    const d = decideTransition('fault_during', 'dissolve', staff({ reason: '当天无法解除故障', supervisorConsent: true, sameDay: false }));
    expect(d.ok && d.effects).toEqual(['seal_e_files', 'void_opinions', 'reform_committee', 'republish_desired_state', 'record_emergency']);
    expect(decideTransition('dissolved', 'archive', { role: 'admin', reason: '' })).toMatchObject({ ok: true, to: 'archived' });
  });

  it('refuses wrong source states and roles, each with its reason', () => {
    expect(decideTransition('archived', 'start_check_in', staff())).toMatchObject({ ok: false, code: 'invalid_transition' });
    expect(decideTransition('scheduled', 'start_check_in', { role: 'technician', reason: '' })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(decideTransition('closed', 'archive', { role: 'central_ops', reason: '', handedOver: false })).toMatchObject({ ok: false, code: 'guard_failed' });
    // no transition leaves archived
    for (const a of SESSION_ACTIONS) expect(decideTransition('archived', a, { role: 'admin', reason: 'x', supervisorConsent: true }).ok).toBe(false);
    expect(SESSION_STATUSES).toContain('overnight');
  });
});
