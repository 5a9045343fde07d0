import {
  idNumberHash,
  type ApplianceEventBody,
  type CheckinOutcome,
  type DesiredState,
  type FaceCheck,
  type FaceDecisionRecord,
  type IdCard,
  type RoomSession,
  type StaffOverride,
} from '@evalroom/contracts';

/**
 * The door's check-in as a pure transition function: step(state, input, ctx) returns the next
 * state and the effects to run (capture a face, verify it, open the gate, record an event).
 * The executor (./service.ts) runs effects and feeds their results back as inputs; inputs for
 * an attempt that is no longer current are ignored, so a late face result can never open the
 * gate after the card was removed. One check-in at a time per door.
 */

export interface Attempt {
  checkinId: string;
  sessionId: string;
  expertRef: string;
  workstation?: string;
  /** Chip photo (bytes, memory only). */
  reference: Buffer;
  startedAt: string;
}

export interface Overridable {
  checkinId: string;
  sessionId: string;
  expertRef: string;
  workstation?: string;
  outcome: CheckinOutcome;
  at: string;
}

export type DoorPhase =
  | { phase: 'idle' }
  | { phase: 'capturing'; attempt: Attempt }
  | { phase: 'verifying'; attempt: Attempt }
  | { phase: 'opening'; attempt: Attempt; method: 'face' | 'staff_override'; face?: FaceDecisionRecord; override?: StaffOverride };

export interface DoorState {
  door: DoorPhase;
  /** `${sessionId}/${expertRef}` → checkinId of the admission. */
  admitted: Record<string, string>;
  /** Recent rejections staff may override, newest last (bounded). */
  overridable: Overridable[];
}

export const initialDoorState = (): DoorState => ({ door: { phase: 'idle' }, admitted: {}, overridable: [] });

export type CheckinInput =
  | { type: 'card_read'; checkinId: string; card: IdCard; at: Date }
  | { type: 'card_removed'; at: Date }
  | { type: 'face_captured'; checkinId: string; image: Buffer }
  | { type: 'face_capture_failed'; checkinId: string; outcome: 'timeout' | 'device_error' | 'capture_failed'; message: string }
  | { type: 'face_checked'; checkinId: string; check: FaceCheck }
  | { type: 'face_check_failed'; checkinId: string; message: string }
  | { type: 'gate_opened'; checkinId: string; at: Date }
  | { type: 'gate_failed'; checkinId: string; outcome: 'timeout' | 'device_error'; message: string }
  | { type: 'override'; checkinId: string; override: StaffOverride; at: Date };

export type CheckinEffect =
  | { type: 'capture_face'; checkinId: string }
  | { type: 'verify_face'; checkinId: string; probe: Buffer; reference: Buffer }
  | { type: 'open_gate'; checkinId: string; reason: 'checkin' | 'override' }
  | { type: 'record'; body: ApplianceEventBody }
  /** An input that changed nothing, with the reason (logged by the executor). */
  | { type: 'ignored'; reason: string };

export interface CheckinContext {
  desired: DesiredState | undefined;
  roomId: string;
  gateId: string;
  /** IANA zone for card validity dates (YYYYMMDD are local dates). */
  timezone: string;
}

export interface StepResult {
  state: DoorState;
  effects: CheckinEffect[];
}

const CLOSED_STATUSES = new Set(['closed', 'archived', 'dissolved']);
const MAX_OVERRIDABLE = 50;

/** Local calendar date as YYYYMMDD. */
export function localYmd(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at).replace(/-/g, '');
}

export type CardDecision =
  | { ok: true; session: RoomSession; expertRef: string; workstation?: string }
  | { ok: false; outcome: CheckinOutcome; reason: string; sessionId?: string; expertRef?: string };

/**
 * Matches a card against the rosters. Interpretation of `wrong_room`: the desired state may
 * carry sessions of the venue's other rooms (RoomSession.roomId ≠ this room); a card found
 * only on those rosters is at the wrong door. A card on no roster at all is `unknown_card`.
 */
export function decideCard(card: IdCard, at: Date, ctx: CheckinContext, admitted: Record<string, string>): CardDecision {
  const today = localYmd(at, ctx.timezone);
  if (card.validTo !== '长期' && card.validTo < today) return { ok: false, outcome: 'card_expired', reason: `card expired on ${card.validTo}` };
  if (card.validFrom !== '长期' && card.validFrom > today) return { ok: false, outcome: 'invalid_card', reason: `card not valid before ${card.validFrom}` };
  const sessions = (ctx.desired?.sessions ?? []).filter((s) => !CLOSED_STATUSES.has(s.status));
  const matches: Array<{ session: RoomSession; expertRef: string; workstation?: string }> = [];
  for (const session of sessions) {
    const hash = idNumberHash(card.idNumber, session.idHashKey);
    const entry = session.roster.find((r) => r.idHash === hash);
    if (entry) matches.push({ session, expertRef: entry.expertRef, workstation: entry.workstation });
  }
  if (matches.length === 0) return { ok: false, outcome: 'unknown_card', reason: 'card is not on any roster of this room' };
  const here = matches.filter((m) => (m.session.roomId ?? ctx.roomId) === ctx.roomId);
  if (here.length === 0) {
    const m = matches[0]!;
    return { ok: false, outcome: 'wrong_room', reason: `expected in room ${m.session.roomId}`, sessionId: m.session.sessionId, expertRef: m.expertRef };
  }
  const t = at.getTime();
  const open = here.filter((m) => Date.parse(m.session.checkInOpensAt) <= t && t <= Date.parse(m.session.checkInClosesAt));
  if (open.length === 0) {
    const m = here[0]!;
    return {
      ok: false,
      outcome: 'outside_window',
      reason: `check-in open ${m.session.checkInOpensAt} .. ${m.session.checkInClosesAt}`,
      sessionId: m.session.sessionId,
      expertRef: m.expertRef,
    };
  }
  const pending = open.filter((m) => !admitted[`${m.session.sessionId}/${m.expertRef}`]);
  if (pending.length === 0) {
    const m = open[0]!;
    return { ok: false, outcome: 'already_checked_in', reason: 'already checked in for this session', sessionId: m.session.sessionId, expertRef: m.expertRef };
  }
  // Several open sessions: the one whose window closes first.
  pending.sort((a, b) => Date.parse(a.session.checkInClosesAt) - Date.parse(b.session.checkInClosesAt));
  return { ok: true, ...pending[0]! };
}

/** What a face check means at the door. */
export function faceOutcome(check: FaceCheck): CheckinOutcome | 'admit' {
  if (check.outcome === 'match' && check.match) return 'admit';
  switch (check.outcome) {
    case 'no_face':
    case 'multiple_faces':
    case 'quality_failed':
    case 'liveness_failed':
      return check.outcome;
    case 'reference_unusable':
      return 'invalid_card';
    default:
      return 'face_mismatch';
  }
}

export function faceRecord(check: FaceCheck): FaceDecisionRecord {
  return {
    match: check.match,
    score: check.score ?? 0,
    threshold: check.threshold,
    ...(check.liveness !== undefined ? { liveness: check.liveness } : {}),
    quality: check.quality.slice(0, 20),
    modelVersion: check.modelVersion,
  };
}

const OVERRIDABLE: ReadonlySet<CheckinOutcome> = new Set([
  'outside_window',
  'card_removed',
  'no_face',
  'multiple_faces',
  'quality_failed',
  'liveness_failed',
  'face_mismatch',
  'capture_failed',
  'timeout',
  'device_error',
  'invalid_card',
]);

function reject(
  state: DoorState,
  checkinId: string,
  outcome: CheckinOutcome,
  reason: string,
  who: { sessionId?: string; expertRef?: string; workstation?: string },
  at: Date,
  face?: FaceDecisionRecord,
): StepResult {
  const overridable =
    who.sessionId && who.expertRef && OVERRIDABLE.has(outcome)
      ? [
          ...state.overridable.filter((o) => o.checkinId !== checkinId),
          { checkinId, sessionId: who.sessionId, expertRef: who.expertRef, workstation: who.workstation, outcome, at: at.toISOString() },
        ].slice(-MAX_OVERRIDABLE)
      : state.overridable;
  const body: ApplianceEventBody = {
    type: 'checkin.rejected',
    data: {
      checkinId,
      ...(who.sessionId ? { sessionId: who.sessionId } : {}),
      ...(who.expertRef ? { expertRef: who.expertRef } : {}),
      outcome,
      reason: reason.slice(0, 300),
      ...(face ? { face } : {}),
    },
  };
  return { state: { ...state, door: { phase: 'idle' }, overridable }, effects: [{ type: 'record', body }] };
}

const ignore = (state: DoorState, reason: string): StepResult => ({ state, effects: [{ type: 'ignored', reason }] });

export function step(state: DoorState, input: CheckinInput, ctx: CheckinContext): StepResult {
  const door = state.door;
  const current = door.phase === 'idle' ? undefined : door.attempt;
  const isCurrent = (id: string): boolean => current?.checkinId === id;

  switch (input.type) {
    case 'card_read': {
      if (door.phase !== 'idle') return ignore(state, `door busy with check-in ${current!.checkinId}`);
      const d = decideCard(input.card, input.at, ctx, state.admitted);
      if (!d.ok) return reject(state, input.checkinId, d.outcome, d.reason, d, input.at);
      const attempt: Attempt = {
        checkinId: input.checkinId,
        sessionId: d.session.sessionId,
        expertRef: d.expertRef,
        ...(d.workstation ? { workstation: d.workstation } : {}),
        reference: Buffer.from(input.card.photo.data, 'base64'),
        startedAt: input.at.toISOString(),
      };
      return { state: { ...state, door: { phase: 'capturing', attempt } }, effects: [{ type: 'capture_face', checkinId: attempt.checkinId }] };
    }
    case 'card_removed': {
      if (door.phase === 'capturing' || door.phase === 'verifying') {
        return reject(state, door.attempt.checkinId, 'card_removed', 'card removed before the check finished', door.attempt, input.at);
      }
      return ignore(state, door.phase === 'idle' ? 'no check-in in progress' : 'decision already made');
    }
    case 'face_captured': {
      if (door.phase !== 'capturing' || !isCurrent(input.checkinId)) return ignore(state, `stale face capture for ${input.checkinId}`);
      return {
        state: { ...state, door: { phase: 'verifying', attempt: door.attempt } },
        effects: [{ type: 'verify_face', checkinId: input.checkinId, probe: input.image, reference: door.attempt.reference }],
      };
    }
    case 'face_capture_failed': {
      if (door.phase !== 'capturing' || !isCurrent(input.checkinId)) return ignore(state, `stale capture failure for ${input.checkinId}`);
      return reject(state, input.checkinId, input.outcome, `face capture failed: ${input.message}`, door.attempt, new Date(door.attempt.startedAt));
    }
    case 'face_checked': {
      if (door.phase !== 'verifying' || !isCurrent(input.checkinId)) return ignore(state, `stale face result for ${input.checkinId}`);
      const face = faceRecord(input.check);
      const verdict = faceOutcome(input.check);
      if (verdict !== 'admit') {
        const reason = input.check.quality.length ? `${verdict}: ${input.check.quality.join(', ')}` : verdict;
        return reject(state, input.checkinId, verdict, reason, door.attempt, new Date(door.attempt.startedAt), face);
      }
      return {
        state: { ...state, door: { phase: 'opening', attempt: door.attempt, method: 'face', face } },
        effects: [{ type: 'open_gate', checkinId: input.checkinId, reason: 'checkin' }],
      };
    }
    case 'face_check_failed': {
      if (door.phase !== 'verifying' || !isCurrent(input.checkinId)) return ignore(state, `stale face failure for ${input.checkinId}`);
      return reject(state, input.checkinId, 'device_error', `face check failed: ${input.message}`, door.attempt, new Date(door.attempt.startedAt));
    }
    case 'override': {
      if (door.phase !== 'idle') return ignore(state, `door busy with check-in ${current!.checkinId}`);
      const target = state.overridable.find((o) => o.checkinId === input.checkinId);
      if (!target) return ignore(state, `check-in ${input.checkinId} is not a recent rejection that staff can override`);
      if (state.admitted[`${target.sessionId}/${target.expertRef}`]) return ignore(state, 'expert already admitted');
      const attempt: Attempt = {
        checkinId: target.checkinId,
        sessionId: target.sessionId,
        expertRef: target.expertRef,
        ...(target.workstation ? { workstation: target.workstation } : {}),
        reference: Buffer.alloc(0),
        startedAt: input.at.toISOString(),
      };
      return {
        state: {
          ...state,
          door: { phase: 'opening', attempt, method: 'staff_override', override: input.override },
          overridable: state.overridable.filter((o) => o.checkinId !== target.checkinId),
        },
        effects: [{ type: 'open_gate', checkinId: target.checkinId, reason: 'override' }],
      };
    }
    case 'gate_opened': {
      if (door.phase !== 'opening' || !isCurrent(input.checkinId)) return ignore(state, `stale gate result for ${input.checkinId}`);
      const a = door.attempt;
      const arrivedAt = input.at.toISOString();
      return {
        state: { ...state, door: { phase: 'idle' }, admitted: { ...state.admitted, [`${a.sessionId}/${a.expertRef}`]: a.checkinId } },
        effects: [
          {
            type: 'record',
            body: {
              type: 'checkin.admitted',
              data: {
                checkinId: a.checkinId,
                sessionId: a.sessionId,
                expertRef: a.expertRef,
                ...(a.workstation ? { workstation: a.workstation } : {}),
                arrivedAt,
                method: door.method,
                ...(door.face ? { face: door.face } : {}),
                ...(door.override ? { override: door.override } : {}),
              },
            },
          },
          {
            type: 'record',
            body: { type: 'gate.entry', data: { checkinId: a.checkinId, gateId: ctx.gateId, at: arrivedAt, reason: door.method === 'face' ? 'checkin' : 'override' } },
          },
        ],
      };
    }
    case 'gate_failed': {
      if (door.phase !== 'opening' || !isCurrent(input.checkinId)) return ignore(state, `stale gate failure for ${input.checkinId}`);
      return reject(state, input.checkinId, input.outcome, `gate did not open: ${input.message}`, door.attempt, new Date(door.attempt.startedAt), door.face);
    }
  }
}
