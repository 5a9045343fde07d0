import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { EdgeConfig } from '@evalroom/contracts';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Every filesystem location the appliance uses; all default under dataDir. */
export interface EdgePaths {
  dataDir: string;
  secretsDir: string;
  /** Last good desired state from the cloud. */
  desiredCache: string;
  /** Journal of unacknowledged ApplianceEvents. */
  outboxDir: string;
  recordingDir: string;
}

export interface LoadedConfig {
  config: EdgeConfig;
  paths: EdgePaths;
  file?: string;
}

export function resolvePaths(config: EdgeConfig, baseDir: string): EdgePaths {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const dataDir = abs(config.dataDir);
  return {
    dataDir,
    secretsDir: config.secretsDir ? abs(config.secretsDir) : join(dataDir, 'secrets'),
    desiredCache: join(dataDir, 'state', 'desired.json'),
    outboxDir: join(dataDir, 'outbox'),
    recordingDir: config.recording.dir ? abs(config.recording.dir) : join(dataDir, 'recordings'),
  };
}

/** Validates a parsed config object; relative paths are taken from baseDir. */
export function parseConfig(input: unknown, baseDir: string): LoadedConfig {
  const result = EdgeConfig.safeParse(input);
  if (!result.success) {
    const reason = result.error.issues
      .slice(0, 10)
      .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
      .join('; ');
    throw new ConfigError(`invalid config: ${reason}`);
  }
  const ids = new Set<string>();
  for (const d of result.data.devices) {
    if (ids.has(d.deviceId)) throw new ConfigError(`invalid config: devices: duplicate deviceId ${d.deviceId}`);
    if (['appliance', 'kiosk', 'nodered'].includes(d.deviceId)) throw new ConfigError(`invalid config: devices: deviceId ${d.deviceId} is reserved`);
    ids.add(d.deviceId);
  }
  return { config: result.data, paths: resolvePaths(result.data, baseDir) };
}

/** Reads and validates the JSON config file; throws ConfigError with a reason fit for a user. */
export function loadConfigFile(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const loaded = parseConfig(json, dirname(resolve(file)));
  return { ...loaded, file: resolve(file) };
}

