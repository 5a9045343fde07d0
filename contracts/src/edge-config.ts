import { z } from 'zod';
import { DeviceKind } from './devices';
import { TopicId } from './common';

/**
 * The appliance's config file (JSON). Unknown keys are errors, every path has a default under
 * `dataDir`, and secrets are never in this file: they live in files under `secretsDir`.
 */
export const DeviceConfig = z
  .object({
    deviceId: TopicId,
    kind: DeviceKind,
    driver: z.enum(['simulated', 'real']).default('simulated'),
    /** Driver-specific options (serial path, GPIO pins, RTSP url …), validated by the driver. */
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type DeviceConfig = z.infer<typeof DeviceConfig>;

export const FaceConfig = z
  .object({
    modelDir: z.string().optional(),
    /** Path of a model manifest; defaults to the manifest shipped with the edge. */
    manifest: z.string().optional(),
    threshold: z.number().min(-1).max(1).optional(),
    livenessRequired: z.boolean().default(true),
    intraOpThreads: z.number().int().min(1).max(8).default(1),
  })
  .strict();

export const RecordingConfig = z
  .object({
    enabled: z.boolean().default(true),
    dir: z.string().optional(),
    segmentSeconds: z.number().int().min(2).max(600).default(10),
    highWatermarkPct: z.number().min(50).max(99).default(90),
    lowWatermarkPct: z.number().min(10).max(98).default(80),
    checkpointEverySegments: z.number().int().min(1).max(1000).default(6),
  })
  .strict();

export const EdgeConfig = z
  .object({
    applianceId: TopicId,
    roomId: TopicId,
    dataDir: z.string().default('/var/lib/evalroom'),
    secretsDir: z.string().optional(),
    timezone: z.string().default('Asia/Shanghai'),
    broker: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(1884),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 1884 }),
    http: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        simApi: z.boolean().default(false),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8080, simApi: false }),
    cloud: z
      .object({
        mqttUrl: z.string().regex(/^(mqtts?|wss?|tcp):\/\//),
        httpUrl: z.string().regex(/^https?:\/\//).optional(),
      })
      .strict()
      .optional(),
    checkin: z
      .object({
        gateOpenMs: z.number().int().min(500).max(15_000).default(5000),
        faceCaptureTimeoutMs: z.number().int().min(500).max(60_000).default(10_000),
        faceSource: z.enum(['camera', 'tablet']).default('camera'),
        /** Check-in opens this long before the session's window when the cloud gave none. */
        repeatTapWindowMs: z.number().int().min(0).max(600_000).default(30_000),
      })
      .strict()
      .default({ gateOpenMs: 5000, faceCaptureTimeoutMs: 10_000, faceSource: 'camera', repeatTapWindowMs: 30_000 }),
    face: FaceConfig.default({ livenessRequired: true, intraOpThreads: 1 }),
    recording: RecordingConfig.default({
      enabled: true,
      segmentSeconds: 10,
      highWatermarkPct: 90,
      lowWatermarkPct: 80,
      checkpointEverySegments: 6,
    }),
    devices: z.array(DeviceConfig).max(64).default([]),
    nodeRed: z
      .object({
        enabled: z.boolean().default(false),
        /** The editor stays closed unless an admin user is configured (password hash in secretsDir). */
        editor: z.boolean().default(false),
        flowsFile: z.string().optional(),
      })
      .strict()
      .default({ enabled: false, editor: false }),
  })
  .strict();
export type EdgeConfig = z.infer<typeof EdgeConfig>;
export type EdgeConfigInput = z.input<typeof EdgeConfig>;
