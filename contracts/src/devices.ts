import { z } from 'zod';
import { Base64Image, Instant, Sequence, TopicId } from './common';
import { IdCard } from './idcard';

export const DeviceKind = z.enum(['idreader', 'gate', 'camera', 'tablet', 'locker']);
export type DeviceKind = z.infer<typeof DeviceKind>;

/** Longest a gate relay may be held open by one command. */
export const GATE_MAX_OPEN_MS = 15_000;

/**
 * Retained at room/dev/{deviceId}/state; the device's Last Will publishes `online: false`, so the
 * retained message always tells whether the device is there.
 */
export const DeviceState = z
  .object({
    v: z.literal(1),
    deviceId: TopicId,
    kind: DeviceKind,
    online: z.boolean(),
    ts: Instant,
    driver: z.enum(['real', 'simulated']).optional(),
    lastSeen: Instant.optional(),
    errors: z.number().int().nonnegative().default(0),
    detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  })
  .strict();
export type DeviceState = z.infer<typeof DeviceState>;

const ev = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ type: z.literal(type), ...shape }).strict();

export const IdReaderEventBody = z.discriminatedUnion('type', [
  ev('card.read', { card: IdCard }),
  ev('card.removed', {}),
  ev('reader.error', { code: z.string().max(40), message: z.string().max(200) }),
]);
export const GateEventBody = z.discriminatedUnion('type', [
  ev('gate.opened', { transaction: z.string().max(64).optional() }),
  ev('gate.closed', {}),
  ev('door.opened', {}),
  ev('door.closed', {}),
  ev('alarm.forced_door', {}),
  ev('alarm.held_open', { openForMs: z.number().int().nonnegative() }),
]);
export const CameraEventBody = z.discriminatedUnion('type', [
  ev('stream.lost', { reason: z.string().max(200) }),
  ev('stream.restored', {}),
]);
export const TabletEventBody = z.discriminatedUnion('type', [
  ev('tablet.button', { button: z.enum(['help', 'call_staff']) }),
]);
export const LockerEventBody = z.discriminatedUnion('type', [
  ev('locker.opened', { slot: z.number().int().positive() }),
  ev('locker.closed', { slot: z.number().int().positive(), occupied: z.boolean() }),
]);

export const DeviceEventBodyByKind = {
  idreader: IdReaderEventBody,
  gate: GateEventBody,
  camera: CameraEventBody,
  tablet: TabletEventBody,
  locker: LockerEventBody,
} as const satisfies Record<DeviceKind, z.ZodType>;

/** Published at room/dev/{deviceId}/event. `seq` grows by one per event so gaps are visible. */
export function deviceEventSchema<K extends DeviceKind>(kind: K) {
  return z
    .object({
      v: z.literal(1),
      deviceId: TopicId,
      seq: Sequence,
      ts: Instant,
      event: DeviceEventBodyByKind[kind],
    })
    .strict();
}
export type DeviceEvent<K extends DeviceKind> = z.infer<ReturnType<typeof deviceEventSchema<K>>>;
export type DeviceEventBody<K extends DeviceKind> = z.infer<(typeof DeviceEventBodyByKind)[K]>;

/** Commands the appliance sends each device kind (room/dev/{deviceId}/request), with params and reply data. */
export const DeviceCommands = {
  idreader: {
    reset: { params: z.object({}).strict(), data: z.object({}).strict() },
    'sam.status': { params: z.object({}).strict(), data: z.object({ samId: z.string(), ok: z.boolean() }).strict() },
  },
  gate: {
    open: {
      params: z
        .object({
          durationMs: z.number().int().min(500).max(GATE_MAX_OPEN_MS),
          reason: z.enum(['checkin', 'override', 'exit', 'emergency']),
          checkinId: z.string().max(64).optional(),
        })
        .strict(),
      data: z.object({ openedAt: Instant }).strict(),
    },
    close: { params: z.object({}).strict(), data: z.object({}).strict() },
  },
  camera: {
    capture: {
      params: z.object({ maxWidth: z.number().int().positive().max(4096).optional() }).strict(),
      data: z.object({ image: Base64Image, format: z.enum(['jpeg', 'png']), width: z.number().int(), height: z.number().int() }).strict(),
    },
  },
  tablet: {
    'face.capture': {
      params: z.object({ timeoutMs: z.number().int().min(1000).max(60_000).default(15_000) }).strict(),
      data: z.object({ image: Base64Image, format: z.enum(['jpeg', 'png']) }).strict(),
    },
    'signature.capture': {
      params: z.object({ prompt: z.string().max(200), timeoutMs: z.number().int().min(1000).max(300_000).default(120_000) }).strict(),
      data: z
        .object({
          image: Base64Image,
          format: z.literal('png'),
          strokes: z.array(z.array(z.tuple([z.number(), z.number(), z.number()])).max(10_000)).max(500),
        })
        .strict(),
    },
    'display.message': {
      params: z.object({ title: z.string().max(80), body: z.string().max(400) }).strict(),
      data: z.object({}).strict(),
    },
  },
  locker: {
    assign: {
      params: z.object({ checkinId: z.string().max(64) }).strict(),
      data: z.object({ slot: z.number().int().positive() }).strict(),
    },
    open: { params: z.object({ slot: z.number().int().positive() }).strict(), data: z.object({}).strict() },
    release: { params: z.object({ slot: z.number().int().positive() }).strict(), data: z.object({}).strict() },
  },
} as const;
export type DeviceCommandName<K extends DeviceKind> = keyof (typeof DeviceCommands)[K] & string;
