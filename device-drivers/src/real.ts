import { z } from 'zod';
import type { DeviceConfig } from '@evalroom/contracts';
import type { AnyDevicePort } from './ports';

/**
 * Real drivers from configuration. Each driver validates its `options` with its own schema
 * (unknown keys are errors) and loads its native module only when started, so a room switches
 * from simulated to real by setting `driver: "real"` and the options below.
 */
export const IdReaderRealOptions = z
  .object({
    /** Serial device of the reader (USB-UART bridge), e.g. /dev/ttyUSB0. */
    path: z.string().min(1),
    baudRate: z.union([z.literal(115200), z.literal(57600), z.literal(38400), z.literal(19200), z.literal(9600)]).default(115200),
    pollIntervalMs: z.number().int().min(20).max(5000).default(300),
    responseTimeoutMs: z.number().int().min(50).max(10_000).default(1000),
    withFingerprint: z.boolean().default(false),
    readNewAddress: z.boolean().default(true),
    /** Chip-photo decoder: a vendor decoding service over HTTP, or the test codec of the simulators. */
    wlt: z.discriminatedUnion('type', [
      z.object({ type: z.literal('http'), url: z.string().regex(/^https?:\/\//), timeoutMs: z.number().int().min(100).max(30_000).default(3000) }).strict(),
      z.object({ type: z.literal('test') }).strict(),
    ]),
  })
  .strict();

export const GateRealOptions = z
  .object({
    relayPin: z.number().int().min(0).max(1023),
    relayActiveLow: z.boolean().default(false),
    doorSensorPin: z.number().int().min(0).max(1023).optional(),
    doorOpenLevel: z.union([z.literal(0), z.literal(1)]).default(1),
    sensorPollMs: z.number().int().min(5).max(1000).default(50),
    heldOpenMs: z.number().int().min(1000).max(600_000).default(30_000),
    forcedGraceMs: z.number().int().min(0).max(10_000).default(1500),
  })
  .strict();

export const LockerRealOptions = z
  .object({
    path: z.string().min(1),
    baudRate: z.number().int().positive().default(9600),
    address: z.number().int().min(0).max(255).default(1),
    slots: z.number().int().min(1).max(255),
    responseTimeoutMs: z.number().int().min(50).max(10_000).default(500),
  })
  .strict();

export const TabletRealOptions = z
  .object({
    /** Room broker the tablet connects to (the appliance connects to the same one). */
    brokerUrl: z.string().regex(/^(mqtts?|tcp|wss?):\/\//),
    username: z.string().min(1),
    /** File holding the broker password (under the secrets dir). */
    passwordFile: z.string().min(1),
    /** The tablet's own device id on the room broker; defaults to this device's id. */
    tabletId: z.string().optional(),
  })
  .strict();

export const CameraRealOptions = z
  .object({
    /** IP camera, e.g. rtsp://user:pass@10.0.0.20:554/Streaming/Channels/102 (a sub-stream is plenty for stills). */
    rtspUrl: z.string().regex(/^rtsps?:\/\/\S+$/).optional(),
    /** USB camera, e.g. /dev/video0. */
    v4l2Device: z.string().regex(/^\/dev\/\S+$/).optional(),
    /** GStreamer videotestsrc pattern (smpte, ball, snow, black …): a camera without hardware. */
    testPattern: z.string().regex(/^[a-z0-9-]+$/).optional(),
    rtspTransport: z.enum(['tcp', 'udp', 'auto']).default('tcp'),
    /** Width of the stills for the face check (height keeps the aspect ratio). */
    stillWidth: z.number().int().min(64).max(1920).default(640),
    /** Stills decoded per second (only these are decoded; the recorder reads its own stream). */
    stillFps: z.number().min(0.5).max(15).default(4),
    captureTimeoutMs: z.number().int().min(200).max(30_000).default(3000),
    staleAfterMs: z.number().int().min(1000).max(60_000).default(5000),
    reconnectMaxMs: z.number().int().min(500).max(120_000).default(10_000),
  })
  .strict()
  .refine((o) => [o.rtspUrl, o.v4l2Device, o.testPattern].filter((x) => x !== undefined).length === 1, {
    message: 'exactly one of rtspUrl, v4l2Device, testPattern',
  });

function options<S extends z.ZodType>(schema: S, config: DeviceConfig): z.infer<S> {
  const r = schema.safeParse(config.options ?? {});
  if (r.success) return r.data;
  const why = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new Error(`device ${config.deviceId} (${config.kind}, real): bad options: ${why}`);
}

export async function createRealDevice(config: DeviceConfig): Promise<AnyDevicePort> {
  switch (config.kind) {
    case 'idreader': {
      const o = options(IdReaderRealOptions, config);
      const { GaT467IdReader, HttpWltDecoder, TestWltCodec, openSerialTransport } = await import('./idreader');
      return new GaT467IdReader({
        openTransport: () => openSerialTransport({ path: o.path, baudRate: o.baudRate }),
        wltDecoder: o.wlt.type === 'http' ? new HttpWltDecoder(o.wlt.url, o.wlt.timeoutMs) : new TestWltCodec(),
        pollIntervalMs: o.pollIntervalMs,
        responseTimeoutMs: o.responseTimeoutMs,
        withFingerprint: o.withFingerprint,
        readNewAddress: o.readNewAddress,
      });
    }
    case 'gate': {
      const o = options(GateRealOptions, config);
      const { GpioGate, onoffChip } = await import('./gate');
      return new GpioGate({ chip: onoffChip(), ...o });
    }
    case 'locker': {
      const o = options(LockerRealOptions, config);
      const { SerialLockerBank } = await import('./locker');
      const { openSerialTransport } = await import('./idreader/transport');
      return new SerialLockerBank({
        openTransport: () => openSerialTransport({ path: o.path, baudRate: o.baudRate }),
        address: o.address,
        slots: o.slots,
        responseTimeoutMs: o.responseTimeoutMs,
      });
    }
    case 'tablet': {
      const o = options(TabletRealOptions, config);
      const { readFile } = await import('node:fs/promises');
      const { MqttTablet } = await import('./tablet');
      const password = (await readFile(o.passwordFile, 'utf8')).trim();
      return new MqttTablet({ brokerUrl: o.brokerUrl, username: o.username, password, tabletId: o.tabletId ?? config.deviceId });
    }
    case 'camera': {
      const o = options(CameraRealOptions, config);
      const { GstCamera } = await import('./camera');
      const source = o.rtspUrl
        ? { type: 'rtsp' as const, url: o.rtspUrl }
        : o.v4l2Device
          ? { type: 'v4l2' as const, device: o.v4l2Device }
          : { type: 'test' as const, pattern: o.testPattern! };
      return new GstCamera({
        source,
        rtspTransport: o.rtspTransport,
        stillWidth: o.stillWidth,
        stillFps: o.stillFps,
        captureTimeoutMs: o.captureTimeoutMs,
        staleAfterMs: o.staleAfterMs,
        reconnectMaxMs: o.reconnectMaxMs,
      });
    }
  }
}
