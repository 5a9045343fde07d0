import { z } from 'zod';
import { Instant, Sequence, TopicId } from './common';
import { CheckinOutcome, FaceDecisionRecord, StaffOverride } from './checkin';

// ---------------------------------------------------------------- desired state (cloud → edge)

export const RosterEntry = z
  .object({
    /** Opaque reference to the expert; identities stay sealed in the cloud. */
    expertRef: TopicId,
    /** idNumberHash(idNumber, session.idHashKey) */
    idHash: z.string().regex(/^[0-9a-f]{64}$/),
    role: z.enum(['expert', 'tenderer_rep', 'staff']).default('expert'),
    workstation: z.string().max(32).optional(),
  })
  .strict();
export type RosterEntry = z.infer<typeof RosterEntry>;

export const SessionStatus = z.enum([
  'scheduled',
  'checking_in',
  'in_progress',
  'signing',
  'closed',
  'archived',
  'overnight',
  'suspended',
  'dissolved',
]);
export type SessionStatus = z.infer<typeof SessionStatus>;

export const Lot = z.object({ lotId: TopicId, code: z.string().max(64), name: z.string().max(200) }).strict();
export type Lot = z.infer<typeof Lot>;

export const RoomSession = z
  .object({
    sessionId: TopicId,
    /**
     * Room the session takes place in; absent means the appliance's own room. The cloud may add
     * sessions of the venue's other rooms so a card on one of their rosters reads `wrong_room`.
     */
    roomId: TopicId.optional(),
    projectCode: z.string().max(64),
    projectName: z.string().max(200),
    lots: z.array(Lot).max(200),
    status: SessionStatus,
    startsAt: Instant,
    endsAt: Instant,
    checkInOpensAt: Instant,
    checkInClosesAt: Instant,
    /** Per-session key for roster id hashes (base64, ≥ 16 bytes). */
    idHashKey: z.string().min(22).max(128),
    roster: z.array(RosterEntry).max(500),
  })
  .strict();
export type RoomSession = z.infer<typeof RoomSession>;

/** Retained at evalroom/v1/appliances/{id}/desired. `version` only grows. */
export const DesiredState = z
  .object({
    v: z.literal(1),
    applianceId: TopicId,
    roomId: TopicId,
    version: z.number().int().nonnegative(),
    generatedAt: Instant,
    sessions: z.array(RoomSession).max(50),
  })
  .strict();
export type DesiredState = z.infer<typeof DesiredState>;

// ---------------------------------------------------------------- reported state (edge → cloud)

export const ReportedState = z
  .object({
    v: z.literal(1),
    applianceId: TopicId,
    online: z.boolean(),
    ts: Instant,
    appliedVersion: z.number().int().nonnegative().optional(),
    firmware: z.string().max(64).optional(),
    devices: z
      .array(z.object({ deviceId: TopicId, kind: z.string().max(20), online: z.boolean(), driver: z.string().max(20).optional() }).strict())
      .max(100)
      .optional(),
    outboxPending: z.number().int().nonnegative().optional(),
  })
  .strict();
export type ReportedState = z.infer<typeof ReportedState>;

// ---------------------------------------------------------------- events (edge → cloud)

const body = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ type: z.literal(type), data: z.object(shape).strict() }).strict();

export const ApplianceEventBody = z.discriminatedUnion('type', [
  body('checkin.admitted', {
    checkinId: TopicId,
    sessionId: TopicId,
    expertRef: TopicId,
    workstation: z.string().max(32).optional(),
    arrivedAt: Instant,
    method: z.enum(['face', 'staff_override']),
    face: FaceDecisionRecord.optional(),
    override: StaffOverride.optional(),
  }),
  body('checkin.rejected', {
    checkinId: TopicId,
    sessionId: TopicId.optional(),
    expertRef: TopicId.optional(),
    outcome: CheckinOutcome,
    reason: z.string().max(300),
    face: FaceDecisionRecord.optional(),
  }),
  body('gate.entry', { checkinId: TopicId.optional(), gateId: TopicId, at: Instant, reason: z.string().max(40) }),
  body('alarm.raised', {
    alarm: z.string().max(64),
    severity: z.enum(['info', 'warning', 'critical']),
    source: z.string().max(64),
    message: z.string().max(300),
  }),
  body('alarm.cleared', { alarm: z.string().max(64), source: z.string().max(64) }),
  /** A phone locker slot given to an admitted expert (after the admission; never holds it up). */
  body('locker.assigned', {
    checkinId: TopicId,
    sessionId: TopicId,
    expertRef: TopicId,
    lockerId: TopicId,
    lockerSlot: z.number().int().positive(),
  }),
  body('locker.released', {
    checkinId: TopicId,
    lockerId: TopicId,
    lockerSlot: z.number().int().positive(),
    by: z.enum(['card', 'staff']),
    staffId: z.string().max(64).optional(),
  }),
  body('incident.recorded', {
    sessionId: TopicId.optional(),
    description: z.string().max(2000),
    handling: z.string().max(2000),
    staffId: z.string().max(64),
  }),
]);
export type ApplianceEventBody = z.infer<typeof ApplianceEventBody>;
export type ApplianceEventType = ApplianceEventBody['type'];

/** Published at …/events with QoS 1 until acknowledged; `eventId` makes redelivery harmless. */
export const ApplianceEvent = z
  .object({
    v: z.literal(1),
    eventId: z.uuid(),
    applianceId: TopicId,
    seq: Sequence,
    ts: Instant,
  })
  .strict()
  .and(ApplianceEventBody);
export type ApplianceEvent = z.infer<typeof ApplianceEvent>;

/** Cloud → edge at …/acks once the events are committed. */
export const EventAck = z.object({ v: z.literal(1), eventIds: z.array(z.uuid()).min(1).max(1000) }).strict();
export type EventAck = z.infer<typeof EventAck>;

// ---------------------------------------------------------------- telemetry (edge → cloud)

export const TelemetrySample = z
  .object({
    ts: Instant,
    metric: z.string().regex(/^[a-z][a-z0-9_.]{0,79}$/),
    value: z.number().finite(),
    device: TopicId.optional(),
  })
  .strict();
export type TelemetrySample = z.infer<typeof TelemetrySample>;

export const TelemetryBatch = z
  .object({
    v: z.literal(1),
    applianceId: TopicId,
    batchId: z.uuid(),
    samples: z.array(TelemetrySample).min(1).max(5000),
  })
  .strict();
export type TelemetryBatch = z.infer<typeof TelemetryBatch>;
