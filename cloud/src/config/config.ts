import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** Environment of the cloud process, validated once at start (see README "Configuration"). */
export const CloudEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.string().url().optional(),
  EVALROOM_CLOUD_DATA_DIR: z.string().min(1).default('./.evalroom/cloud'),
  MQTT_URL: z.string().regex(/^(mqtts?|wss?|tcp):\/\//, 'mqtt://host:port').optional(),
  MQTT_USERNAME: z.string().optional(),
  MQTT_PASSWORD: z.string().optional(),
  CLOUD_MQTT_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  EVALROOM_ADMIN_TOKEN: z.string().min(16).optional(),
  EVALROOM_SECRET_KEY: z.string().optional(),
  /** Telemetry partitions older than this many days are dropped. */
  TELEMETRY_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
});
export type CloudEnv = z.infer<typeof CloudEnv>;

/** Resolved configuration handed to every module through the CLOUD_CONFIG token. */
export interface CloudConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  /** External broker; undefined → embedded aedes child process. */
  mqttUrl?: string;
  mqttUsername?: string;
  mqttPassword?: string;
  embeddedMqttPort: number;
  adminToken: string;
  /** Where a generated admin token was written, for the start-up log. */
  adminTokenFile?: string;
  /** 32-byte key for AES-256-GCM of personal data at rest. */
  secretKey: Buffer;
  telemetryRetentionDays: number;
  /** Migration directory (defaults to cloud/migrations). */
  migrationsDir: string;
}

export const CLOUD_CONFIG = Symbol('CLOUD_CONFIG');

export class ConfigError extends Error {}

/** Parses env, creating the data dir and any generated secrets (mode 0600) inside it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): CloudConfig {
  const parsed = CloudEnv.safeParse(env);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid environment: ${reason}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.EVALROOM_CLOUD_DATA_DIR);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  let adminToken = e.EVALROOM_ADMIN_TOKEN;
  let adminTokenFile: string | undefined;
  if (!adminToken) {
    adminTokenFile = join(dataDir, 'admin-token');
    adminToken = readOrCreateSecret(adminTokenFile, () => randomBytes(24).toString('base64url'));
  }
  const secretKey = e.EVALROOM_SECRET_KEY
    ? decodeKey(e.EVALROOM_SECRET_KEY)
    : decodeKey(readOrCreateSecret(join(dataDir, 'secret-key'), () => randomBytes(32).toString('base64')));

  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    mqttUrl: e.MQTT_URL,
    mqttUsername: e.MQTT_USERNAME,
    mqttPassword: e.MQTT_PASSWORD,
    embeddedMqttPort: e.CLOUD_MQTT_PORT,
    adminToken,
    adminTokenFile,
    secretKey,
    telemetryRetentionDays: e.TELEMETRY_RETENTION_DAYS,
    migrationsDir: resolve(__dirname, '..', '..', 'migrations'),
  };
}

function decodeKey(text: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(text.trim()) ? Buffer.from(text.trim(), 'hex') : Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new ConfigError('EVALROOM_SECRET_KEY must be 32 bytes (64 hex chars or base64)');
  return key;
}

function readOrCreateSecret(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = make();
  writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return value;
}
