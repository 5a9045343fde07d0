import path from 'node:path';
import { isPortFree, startService, type ServiceProcess } from '@evalroom/provisioning';

/** Repository root: system tests start the built cloud and edge from here. */
export const repoRoot = path.resolve(__dirname, '..', '..');

/** A free port picked up front, so a restarted process comes back on the same address. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (await isPortFree(port)) return port;
  }
  throw new Error('no free port');
}

/**
 * Environment of a cloud on the test's own PostgreSQL database and its embedded broker (an
 * inherited MQTT_URL would point it at another broker), on fixed ports that survive restarts.
 */
export async function cloudEnvironment(o: { databaseUrl: string; adminToken: string; dataDir: string }): Promise<NodeJS.ProcessEnv> {
  const { MQTT_URL: _externalBroker, ...inherited } = process.env;
  return {
    ...inherited,
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    CLOUD_MQTT_PORT: String(await freePort()),
    DATABASE_URL: o.databaseUrl,
    EVALROOM_ADMIN_TOKEN: o.adminToken,
    EVALROOM_CLOUD_DATA_DIR: o.dataDir,
  };
}

export function startCloudProcess(env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
  return startService({ name: 'cloud', command: process.execPath, args: [path.join(repoRoot, 'cloud/dist/main.js')], env, readyTimeoutMs: 60_000 });
}

export function startEdgeProcess(configPath: string, onLine: (line: string) => void): Promise<ServiceProcess> {
  return startService({
    name: 'edge',
    command: process.execPath,
    args: [path.join(repoRoot, 'edge/dist/main.js'), '--config', configPath],
    env: { ...process.env, UV_THREADPOOL_SIZE: '16' },
    readyTimeoutMs: 90_000,
    onLine,
  });
}
