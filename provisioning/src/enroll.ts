import { mkdir, writeFile, rename, open } from 'node:fs/promises';
import path from 'node:path';
import { ApplianceRegistered, EdgeConfig, type EdgeConfigInput } from '@evalroom/contracts';
import type { CloudApiClient } from './api-client';
import { obtainApplianceCertificate, type ApplianceCertificate } from './keys/enrollment';

export interface EnrollOptions {
  api: CloudApiClient;
  applianceId: string;
  roomId: string;
  /** The appliance's data directory; config goes to `<dataDir>/edge.json`, secrets below `<dataDir>/secrets`. */
  dataDir: string;
  /** The rest of the appliance's config (devices, ports, …); validated with EdgeConfig. */
  config?: Omit<EdgeConfigInput, 'applianceId' | 'roomId' | 'dataDir' | 'cloud'>;
  /** Overrides the broker URL the cloud hands out (e.g. when the appliance reaches it by another name). */
  mqttUrl?: string;
  cloudHttpUrl?: string;
  /**
   * Mark the appliance's recording directory (config recording.dir, default `<dataDir>/recordings`)
   * as the recording disk. Only provisioning does this, once the disk is really there: the
   * appliance refuses to record without the marker, so an unmounted disk is never written.
   */
  initRecordingDisk?: boolean;
  /**
   * Make the appliance's key pair here and get its client certificate from the cloud CA
   * (secrets/appliance-key.pem, appliance-cert.pem, ca.pem). Default true; run enrollment on the
   * appliance itself so the private key is made where it stays.
   */
  certificate?: boolean;
}

export interface Enrolled {
  configPath: string;
  secretsDir: string;
  config: EdgeConfig;
  /** The client certificate issued to the appliance's own key (unless `certificate: false`). */
  certificate?: ApplianceCertificate;
}

/**
 * Registers an appliance with the cloud and writes what it needs to run: its config file and,
 * in its secrets directory (mode 0700), the cloud credentials the cloud returned once.
 */
export async function enrollAppliance(options: EnrollOptions): Promise<Enrolled> {
  const registered = await options.api.request(
    'POST',
    '/v1/appliances',
    { applianceId: options.applianceId, roomId: options.roomId },
    ApplianceRegistered,
  );
  const secretsDir = path.join(options.dataDir, 'secrets');
  await mkdir(secretsDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(
    path.join(secretsDir, 'cloud.json'),
    JSON.stringify({ username: registered.mqtt.username, password: registered.mqtt.password }, null, 2) + '\n',
    0o600,
  );
  const certificate =
    options.certificate === false
      ? undefined
      : await obtainApplianceCertificate({ api: options.api, applianceId: options.applianceId, roomId: options.roomId, secretsDir });
  const config = EdgeConfig.parse({
    ...options.config,
    applianceId: options.applianceId,
    roomId: options.roomId,
    dataDir: options.dataDir,
    cloud: { mqttUrl: options.mqttUrl ?? registered.mqtt.url, ...(options.cloudHttpUrl ? { httpUrl: options.cloudHttpUrl } : {}) },
  });
  const configPath = path.join(options.dataDir, 'edge.json');
  await writeFileAtomic(configPath, JSON.stringify(config, null, 2) + '\n', 0o644);
  if (options.initRecordingDisk) await initRecordingDisk(path.resolve(options.dataDir, config.recording.dir ?? 'recordings'));
  return { configPath, secretsDir, config, ...(certificate ? { certificate } : {}) };
}

/** The marker file the edge recorder checks before every write (edge/src/recording/disk.ts, DISK_MARKER). */
export const RECORDING_DISK_MARKER = '.evalroom-recording-disk';

/** Marks `dir` as the recording disk (idempotent; an existing marker is kept). */
export async function initRecordingDisk(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const body = JSON.stringify({ createdAt: new Date().toISOString(), purpose: 'evalroom recording disk' }) + '\n';
  await writeFile(path.join(dir, RECORDING_DISK_MARKER), body, { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

/** Write to a temporary file, fsync, rename: a crash leaves the old file or the new one, never half. */
export async function writeFileAtomic(file: string, content: string, mode: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode });
  const handle = await open(tmp, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}
