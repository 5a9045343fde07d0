import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Caller } from '../auth/caller';
import { supervisesSession } from '../auth/scope';
import { DesiredStateService } from '../sessions/desired-state.service';
import { DrawService } from '../draw/draw.service';
import { actorOf } from '../bookings/bookings.service';
import { contractStatusOf, LifecycleRepository, type TransitionRow } from './lifecycle.repository';
import { decideTransition, SESSION_STATUSES, type SessionAction, type SessionStatus } from './transitions';

export interface TransitionInput {
  action: SessionAction;
  reason: string;
  supervisorConsent?: boolean;
  sameDay?: boolean;
  systemFailure?: boolean;
  allSigned?: boolean;
  handedOver?: boolean;
}

export type TransitionOutcome =
  | { ok: true; transition: TransitionRow; pending: string[] }
  | { ok: false; status: 403 | 404 | 409; code: string; reason: string };

/** Carries out session transitions: decides (pure), records (who, when, why), applies effects. */
@Injectable()
export class LifecycleService {
  private readonly logger = new Logger('Lifecycle');

  constructor(
    @Inject(LifecycleRepository) private readonly repo: LifecycleRepository,
    @Inject(DrawService) private readonly draws: DrawService,
    @Optional() @Inject(DesiredStateService) private readonly desired?: DesiredStateService,
  ) {}

  private inScope(caller: Caller, s: { mainVenueId: string; supervisingDepartment: string | null }): boolean {
    if (caller.role === 'admin' || caller.role === 'central_ops') return true;
    if (caller.role === 'supervisor') return supervisesSession(caller, s);
    return caller.venueIds.includes(s.mainVenueId);
  }

  async transition(caller: Caller, sessionId: string, input: TransitionInput): Promise<TransitionOutcome> {
    const result = await this.repo.transaction(async (tx) => {
      const s = await this.repo.session(sessionId, tx); // row-locked: transitions of one session are serialized
      if (!s) return { ok: false as const, status: 404 as const, code: 'not_found', reason: `no session ${sessionId}` };
      if (!this.inScope(caller, s)) return { ok: false as const, status: 403 as const, code: 'forbidden', reason: 'not a session you run or supervise' };
      const from = ((SESSION_STATUSES as readonly string[]).includes(s.status) ? s.status : 'scheduled') as SessionStatus;
      const d = decideTransition(from, input.action, {
        role: caller.role,
        reason: input.reason,
        supervisorConsent: input.supervisorConsent,
        sameDay: input.sameDay,
        systemFailure: input.systemFailure,
        allSigned: input.allSigned,
        handedOver: input.handedOver,
        committeeSize: s.committeeSize > 0 ? s.committeeSize : undefined,
        checkedIn: s.committeeSize > 0 ? s.checkedIn : undefined,
      });
      if (!d.ok) return { ok: false as const, status: (d.code === 'forbidden' ? 403 : 409) as 403 | 409, code: d.code, reason: d.reason };
      const row = await this.repo.record(tx, {
        sessionId, action: input.action, fromStatus: d.from, toStatus: d.to, actor: actorOf(caller), actorRole: caller.role,
        reason: input.reason, clause: d.clause, emergency: d.emergency, effects: [...d.effects],
      }, contractStatusOf(d.to));
      return { ok: true as const, transition: row };
    });
    if (!result.ok) return result;
    const pending: string[] = [];
    for (const effect of result.transition.effects) {
      if (effect === 'reveal_draw_seed') await this.draws.reveal(sessionId, caller);
      else if (effect === 'republish_desired_state') {
        if (this.desired) await this.desired.publishForRooms(await this.repo.roomsOf(sessionId)).catch((e: Error) => this.logger.warn(`republish failed: ${e.message}`));
        else pending.push(effect);
      } else if (effect !== 'unseal_sub_venues' && effect !== 'record_emergency') {
        // carried out by people or other systems (expert pool, e-evaluation system): recorded here
        pending.push(effect);
      }
    }
    return { ok: true, transition: result.transition, pending };
  }

  /** The transitions of a session, for callers in its scope. */
  async list(caller: Caller, sessionId: string): Promise<{ ok: true; transitions: TransitionRow[] } | { ok: false; status: 403 | 404; code: string; reason: string }> {
    const s = await this.repo.session(sessionId);
    if (!s) return { ok: false, status: 404, code: 'not_found', reason: `no session ${sessionId}` };
    if (!this.inScope(caller, s)) return { ok: false, status: 403, code: 'forbidden', reason: 'not a session you run or supervise' };
    return { ok: true, transitions: await this.repo.list(sessionId) };
  }
}
