import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CloudApiClient, CloudApiError } from '../api-client';
import { DEMO, DEMO_EXPERTS, demoEdgeConfig, demoIdNumbers, demoSession } from '../demo';
import { enrollAppliance, initRecordingDisk } from '../enroll';
import { preferPort } from '../ports';
import { startService, type ServiceProcess } from '../processes';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

const USAGE = `usage: evalroom up [--data-dir DIR] [--cloud-port N] [--cloud-mqtt-port N] [--edge-port N] [--room-broker-port N] [--verbose]

Runs the whole system on this machine: the cloud control plane (embedded PostgreSQL and MQTT
broker) and one simulated evaluation room, seeded with a demo venue and a session for today.
Ctrl-C stops everything.`;

/** `evalroom up`: cloud + one simulated room on one machine. */
export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string', default: path.join(repoRoot, '.evalroom') },
        'cloud-port': { type: 'string', default: '8700' },
        'cloud-mqtt-port': { type: 'string', default: '1885' },
        'edge-port': { type: 'string', default: '8080' },
        'room-broker-port': { type: 'string', default: '1884' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`evalroom up: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const ports = {
    cloud: Number(args['cloud-port']),
    cloudMqtt: Number(args['cloud-mqtt-port']),
    edge: Number(args['edge-port']),
    roomBroker: Number(args['room-broker-port']),
  };
  for (const [name, port] of Object.entries(ports)) {
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      process.stderr.write(`evalroom up: ${name} port must be 0–65535\n`);
      return 2;
    }
  }
  const say = (msg: string) => process.stdout.write(`[up] ${msg}\n`);
  const busy = (what: string) => (port: number) => say(`port ${port} (${what}) is taken; using a free one instead`);
  const dataDir = path.resolve(args['data-dir']!);
  const cloudDir = path.join(dataDir, 'cloud');
  const roomDir = path.join(dataDir, 'room');
  await mkdir(cloudDir, { recursive: true, mode: 0o700 });

  const echo = (name: string) => (line: string) => {
    if (args.verbose || /\b(error|warn|fatal)\b/i.test(line)) process.stdout.write(`[${name}] ${line}\n`);
  };
  const running: ServiceProcess[] = [];
  const stopAll = async () => {
    for (const service of running.reverse()) await service.stop('SIGTERM');
  };

  try {
    say('starting the cloud control plane…');
    const cloud = await startService({
      name: 'cloud',
      command: process.execPath,
      args: [path.join(repoRoot, 'cloud', 'dist', 'main.js')],
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(await preferPort(ports.cloud, busy('cloud HTTP'))),
        CLOUD_MQTT_PORT: String(await preferPort(ports.cloudMqtt, busy('cloud MQTT'))),
        EVALROOM_CLOUD_DATA_DIR: cloudDir,
      },
      onLine: echo('cloud'),
      readyTimeoutMs: 120_000,
    });
    running.push(cloud);
    const cloudHttp = cloud.endpoints.http!;
    const adminTokenFile = path.join(cloudDir, 'admin-token');
    const adminToken = process.env.EVALROOM_ADMIN_TOKEN || (await readFile(adminTokenFile, 'utf8')).trim();
    const api = new CloudApiClient(cloudHttp, adminToken);

    const configPath = path.join(roomDir, 'edge.json');
    if (!existsSync(configPath)) {
      say('seeding the demo venue and enrolling its room appliance…');
      await seedDirectory(api);
      await enrollAppliance({
        api,
        applianceId: DEMO.applianceId,
        roomId: DEMO.room.id,
        dataDir: roomDir,
        config: demoEdgeConfig({
          http: await preferPort(ports.edge, busy('room HTTP')),
          broker: await preferPort(ports.roomBroker, busy('room broker')),
        }),
        mqttUrl: cloud.endpoints.mqtt,
        cloudHttpUrl: cloudHttp,
      });
    }
    // The demo room records onto its data dir: mark it as the recording disk (idempotent).
    await initRecordingDisk(path.join(roomDir, 'recordings'));
    const idNumbers = await demoPeople(dataDir);
    const session = await todaysSession(api, dataDir, idNumbers);

    say('starting the room appliance…');
    const edge = await startService({
      name: 'room',
      command: process.execPath,
      args: [path.join(repoRoot, 'edge', 'dist', 'main.js'), '--config', configPath],
      env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE || '16' },
      onLine: echo('room'),
      readyTimeoutMs: 120_000,
    });
    running.push(edge);

    printWelcome({ cloud: cloud.endpoints, edge: edge.endpoints, adminTokenFile, session, idNumbers, roomDir });
  } catch (err) {
    const message = err instanceof CloudApiError ? err.message : (err as Error).stack ?? String(err);
    process.stderr.write(`evalroom up: ${message}\n`);
    await stopAll();
    return 1;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = async () => {
      if (stopping) return;
      stopping = true;
      say('stopping…');
      await stopAll();
      say('stopped');
      resolve(0);
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
    for (const service of running) {
      void service.exited.then((code) => {
        if (stopping) return;
        process.stderr.write(`evalroom up: ${service.name} exited unexpectedly (${code}); stopping the rest\n`);
        void shutdown().then(() => resolve(1));
      });
    }
  });
}

/** Creates the demo trading center, venue and room unless they exist. */
async function seedDirectory(api: CloudApiClient): Promise<void> {
  const createIfMissing = async (pathName: string, body: unknown) => {
    try {
      await api.request('POST', pathName, body);
    } catch (err) {
      if (!(err instanceof CloudApiError && err.status === 409)) throw err;
    }
  };
  await createIfMissing('/v1/trading-centers', DEMO.tradingCenter);
  await createIfMissing('/v1/venues', DEMO.venue);
  await createIfMissing('/v1/rooms', DEMO.room);
}

/** The demo experts' ID numbers are made once and kept, so a restarted demo recognises them. */
async function demoPeople(dataDir: string): Promise<string[]> {
  const file = path.join(dataDir, 'demo-people.json');
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as string[];
  const ids = demoIdNumbers();
  await writeFile(file, JSON.stringify(ids) + '\n', { mode: 0o600 });
  return ids;
}

/** One demo session a day: a restarted demo reuses today's. */
async function todaysSession(api: CloudApiClient, dataDir: string, idNumbers: string[]): Promise<unknown> {
  const file = path.join(dataDir, 'demo-session.json');
  const today = new Date().toISOString().slice(0, 10);
  if (existsSync(file)) {
    const saved = JSON.parse(await readFile(file, 'utf8')) as { date: string; session: unknown };
    if (saved.date === today) return saved.session;
  }
  const session = await api.request('POST', '/v1/sessions', demoSession(new Date(), idNumbers));
  await writeFile(file, JSON.stringify({ date: today, session }) + '\n', { mode: 0o600 });
  return session;
}

function printWelcome(info: {
  cloud: Record<string, string>;
  edge: Record<string, string>;
  adminTokenFile: string;
  session: unknown;
  idNumbers: string[];
  roomDir: string;
}): void {
  const faces = path.resolve(repoRoot, '..', 'shared', 'faces');
  const expert = DEMO_EXPERTS[0];
  const edgeHttp = info.edge.http!;
  const auth = `-H "authorization: Bearer $(cat ${path.join(info.roomDir, 'secrets', 'staff-token')})"`;
  const lines = [
    '',
    'evalroom is running.',
    '',
    `  cloud HTTP API     ${info.cloud.http}   (OpenAPI: ${info.cloud.http}/api/docs)`,
    `  cloud MQTT broker  ${info.cloud.mqtt}`,
    `  room appliance     ${edgeHttp}   (kiosk, staff override, simulator API)`,
    `  room MQTT broker   ${info.edge.broker}`,
    `  admin API token    ${info.adminTokenFile}`,
    `  room data          ${info.roomDir}`,
    `  session            ${JSON.stringify(info.session)}`,
    '',
    `Walk ${expert.name} through the door of the simulated room:`,
    `  curl ${auth} -X PUT --data-binary @${path.join(faces, expert.folder, expert.live)} ${edgeHttp}/sim/devices/camera-door/frame`,
    `  curl ${auth} -X POST -H 'content-type: application/json' \\`,
    `       -d '{"faceImagePath":"${path.join(faces, expert.folder, expert.chip)}","name":"${expert.name}","idNumber":"${info.idNumbers[0]}"}' \\`,
    `       ${edgeHttp}/sim/devices/idreader-1/card`,
    `  curl ${auth} ${edgeHttp}/sim/devices/gate-1`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}
