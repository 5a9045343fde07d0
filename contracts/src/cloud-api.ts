/** HTTP DTOs of the cloud control plane (request bodies and responses). Owned by the cloud. */
import { z } from 'zod';
import { Instant, TopicId } from './common';
import { Lot } from './appliance';

export const CLOUD_API_VERSION = 'v1';

// ---------------------------------------------------------------- access control

export const ApiRole = z.enum(['technician', 'venue_staff', 'central_ops', 'supervisor', 'admin']);
export type ApiRole = z.infer<typeof ApiRole>;

/** Administrative division code (GB/T 2260) prefix: 2 = province, 4 = city, 6 = county. */
export const RegionCode = z.string().regex(/^\d{2}(\d{2}(\d{2})?)?$/, 'region code of 2, 4 or 6 digits');

export const CreateTokenBody = z
  .object({
    role: ApiRole,
    label: z.string().min(1).max(200),
    /** Venues this token acts for (venue_staff, technician). */
    venueIds: z.array(TopicId).max(200).default([]),
    /** Province/city code the token oversees (central_ops, supervisor). */
    jurisdiction: RegionCode.optional(),
    /** Supervision department (supervisor): sees the sessions this department supervises. */
    department: z.string().min(1).max(64).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if ((t.role === 'venue_staff' || t.role === 'technician') && t.venueIds.length === 0 && !t.jurisdiction)
      ctx.addIssue({ code: 'custom', path: ['venueIds'], message: `${t.role} needs venueIds or a jurisdiction` });
    if (t.role === 'supervisor' && !t.department)
      ctx.addIssue({ code: 'custom', path: ['department'], message: 'supervisor needs a department' });
  });
export type CreateTokenBody = z.infer<typeof CreateTokenBody>;

export const TokenIssued = z.object({ tokenId: z.string(), token: z.string(), role: ApiRole }).strict();
export type TokenIssued = z.infer<typeof TokenIssued>;

// ---------------------------------------------------------------- directory

export const CreateTradingCenterBody = z
  .object({
    id: TopicId,
    name: z.string().min(1).max(200),
    level: z.enum(['province', 'city', 'county']),
    regionCode: RegionCode,
    parentId: TopicId.optional(),
  })
  .strict();
export type CreateTradingCenterBody = z.infer<typeof CreateTradingCenterBody>;

export const CreateVenueBody = z
  .object({ id: TopicId, tradingCenterId: TopicId, name: z.string().min(1).max(200) })
  .strict();
export type CreateVenueBody = z.infer<typeof CreateVenueBody>;

export const CreateRoomBody = z
  .object({
    id: TopicId,
    venueId: TopicId,
    name: z.string().min(1).max(200),
    shared: z.boolean().default(false),
    workstations: z.array(z.object({ code: z.string().min(1).max(32), shared: z.boolean().default(false) }).strict()).max(50).default([]),
  })
  .strict();
export type CreateRoomBody = z.infer<typeof CreateRoomBody>;

// ---------------------------------------------------------------- appliances

export const RegisterApplianceBody = z.object({ applianceId: TopicId, roomId: TopicId }).strict();
export type RegisterApplianceBody = z.infer<typeof RegisterApplianceBody>;

/** Returned once at registration; the password is stored only as a scrypt hash. */
export const ApplianceRegistered = z
  .object({
    applianceId: TopicId,
    roomId: TopicId,
    mqtt: z.object({ url: z.string(), username: z.string(), password: z.string(), clientId: z.string() }).strict(),
  })
  .strict();
export type ApplianceRegistered = z.infer<typeof ApplianceRegistered>;

export const ApplianceView = z
  .object({
    applianceId: TopicId,
    roomId: TopicId,
    venueId: TopicId,
    online: z.boolean(),
    desiredVersion: z.number().int(),
    appliedVersion: z.number().int().nullable(),
    firmware: z.string().nullable(),
    lastSeen: Instant.nullable(),
  })
  .strict();
export type ApplianceView = z.infer<typeof ApplianceView>;

// ---------------------------------------------------------------- sessions

/** Mainland resident ID number: 17 digits + check digit (digit or X). */
export const IdNumber = z.string().regex(/^\d{17}[\dXx]$/, 'ID number of 18 characters');

export const ExpertAssignment = z
  .object({
    name: z.string().min(1).max(100),
    idNumber: IdNumber,
    workstation: z.string().max(32).optional(),
    role: z.enum(['expert', 'tenderer_rep', 'staff']).default('expert'),
  })
  .strict();
export type ExpertAssignment = z.infer<typeof ExpertAssignment>;

export const CreateSessionBody = z
  .object({
    projectCode: z.string().min(1).max(64),
    projectName: z.string().min(1).max(200),
    lots: z.array(Lot).min(1).max(200),
    mainVenueId: TopicId,
    /** Administrative supervision department of the project (supervisors of it see the session). */
    supervisingDepartment: z.string().min(1).max(64).optional(),
    startsAt: Instant,
    endsAt: Instant,
    checkInOpensAt: Instant.optional(),
    checkInClosesAt: Instant.optional(),
    assignments: z
      .array(z.object({ roomId: TopicId, experts: z.array(ExpertAssignment).min(1).max(50) }).strict())
      .min(1)
      .max(50),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (Date.parse(s.endsAt) <= Date.parse(s.startsAt))
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'endsAt must be after startsAt' });
    if (s.checkInOpensAt && s.checkInClosesAt && Date.parse(s.checkInClosesAt) <= Date.parse(s.checkInOpensAt))
      ctx.addIssue({ code: 'custom', path: ['checkInClosesAt'], message: 'checkInClosesAt must be after checkInOpensAt' });
    const rooms = s.assignments.map((a) => a.roomId);
    if (new Set(rooms).size !== rooms.length) ctx.addIssue({ code: 'custom', path: ['assignments'], message: 'a room appears twice' });
    const ids = s.assignments.flatMap((a) => a.experts.map((e) => e.idNumber.toUpperCase()));
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', path: ['assignments'], message: 'a person is assigned twice' });
  });
export type CreateSessionBody = z.infer<typeof CreateSessionBody>;

export const SessionCreated = z.object({ sessionId: TopicId }).strict();
export type SessionCreated = z.infer<typeof SessionCreated>;

/** A roster entry as a caller sees it: identity present only when the caller may see it. */
export const RosterView = z
  .object({
    expertRef: TopicId,
    role: z.string(),
    workstation: z.string().nullable(),
    roomId: TopicId.optional(),
    admitted: z.boolean(),
    identity: z.object({ name: z.string(), idNumber: z.string() }).strict().optional(),
  })
  .strict();
export type RosterView = z.infer<typeof RosterView>;

export const SessionView = z
  .object({
    sessionId: TopicId,
    projectCode: z.string(),
    projectName: z.string(),
    lots: z.array(Lot),
    mainVenueId: TopicId,
    supervisingDepartment: z.string().nullable(),
    status: z.string(),
    startsAt: Instant,
    endsAt: Instant,
    checkInOpensAt: Instant,
    checkInClosesAt: Instant,
    /** True while assignments are sealed for this caller (before the start). */
    sealed: z.boolean(),
    rosterSize: z.number().int(),
    assignments: z.array(z.object({ roomId: TopicId, roster: z.array(RosterView) }).strict()).optional(),
  })
  .strict();
export type SessionView = z.infer<typeof SessionView>;

export const SigninView = z
  .object({
    checkinId: z.string(),
    sessionId: TopicId,
    expertRef: TopicId,
    roomId: TopicId,
    applianceId: TopicId,
    workstation: z.string().nullable(),
    arrivedAt: Instant,
    method: z.string(),
    name: z.string().optional(),
  })
  .strict();
export type SigninView = z.infer<typeof SigninView>;

// ---------------------------------------------------------------- events and telemetry

export const EventsQuery = z
  .object({
    applianceId: TopicId.optional(),
    type: z.string().max(64).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
export type EventsQuery = z.infer<typeof EventsQuery>;

export const TelemetryBucket = z.enum(['raw', '1m', '1h']);
export type TelemetryBucket = z.infer<typeof TelemetryBucket>;

export const TelemetryQuery = z
  .object({
    applianceId: TopicId,
    metric: z.string().regex(/^[a-z][a-z0-9_.]{0,79}$/),
    from: Instant,
    to: Instant,
    bucket: TelemetryBucket.default('1m'),
  })
  .strict()
  .refine((q) => Date.parse(q.to) > Date.parse(q.from), { path: ['to'], message: 'to must be after from' });
export type TelemetryQuery = z.infer<typeof TelemetryQuery>;

export const TelemetryPoint = z
  .object({ ts: Instant, count: z.number().int(), avg: z.number(), min: z.number(), max: z.number() })
  .strict();
export type TelemetryPoint = z.infer<typeof TelemetryPoint>;
