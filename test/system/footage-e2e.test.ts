// Footage from a room to the archive, through public interfaces only: the cloud and a room
// appliance run as processes; a session held in the room is recorded by its cameras (GStreamer
// test sources), and once it ends the appliance hands the session's evidence bundle to the cloud
// archive — retried while the cloud is down, acknowledged once it is back, and never sent again.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CloudApiClient, demoEdgeConfig, enrollAppliance, makeResidentIdNumber, type ServiceProcess } from '@evalroom/provisioning';
import { cloudEnvironment, startCloudProcess, startEdgeProcess } from '../support/processes';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { waitFor } from '../support/wait';

jest.setTimeout(240_000);


interface FootageSession {
  sessionId: string;
  cameras: string[];
  segments: number;
  handover: { status: string; attempts?: number; receipt?: { archiveId: string; bundleSha256: string } };
}

describe('footage handover, room to archive', () => {
  let db: TestDatabase;
  let work: string;
  let cloud: ServiceProcess | undefined;
  let edge: ServiceProcess | undefined;
  let cloudEnv: NodeJS.ProcessEnv;
  let api: CloudApiClient;
  let staffToken: string;
  let roomData: string;
  const edgeLog: string[] = [];
  const adminToken = randomBytes(24).toString('base64url');
  const roomId = `room-${randomBytes(3).toString('hex')}`;
  const applianceId = `${roomId}-box`;

  const startCloud = () => startCloudProcess(cloudEnv);
  const edgeCall = async (method: string, route: string) => {
    const res = await fetch(`${edge!.endpoints.http}${route}`, { method, headers: { authorization: `Bearer ${staffToken}` } });
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const footage = async (sessionId: string) =>
    ((await edgeCall('GET', '/footage/sessions')).sessions as FootageSession[]).find((s) => s.sessionId === sessionId);

  beforeAll(async () => {
    db = await createTestDatabase();
    work = await mkdtemp(path.join(os.tmpdir(), 'evalroom-footage-e2e-'));
    cloudEnv = await cloudEnvironment({ databaseUrl: db.url, adminToken, dataDir: path.join(work, 'cloud') });
    cloud = await startCloud();
    api = new CloudApiClient(cloud.endpoints.http!, adminToken);
    await api.request('POST', '/v1/trading-centers', { id: 'tc-dalian', name: '大连市公共资源交易中心', level: 'city', regionCode: '2102' });
    await api.request('POST', '/v1/venues', { id: 'venue-dl', tradingCenterId: 'tc-dalian', name: '大连评标场所' });
    await api.request('POST', '/v1/rooms', { id: roomId, venueId: 'venue-dl', name: '第一评标室', workstations: [{ code: 'A1' }] });
    roomData = path.join(work, 'room');
    const enrolled = await enrollAppliance({
      api,
      applianceId,
      roomId,
      dataDir: roomData,
      config: { ...demoEdgeConfig({ http: 0, broker: 0 }), recording: { segmentSeconds: 2 } },
      mqttUrl: cloud.endpoints.mqtt,
      cloudHttpUrl: cloud.endpoints.http,
      initRecordingDisk: true,
    });
    expect(existsSync(path.join(roomData, 'recordings', '.evalroom-recording-disk'))).toBe(true);
    edge = await startEdgeProcess(enrolled.configPath, (line) => edgeLog.push(line));
    staffToken = (await readFile(path.join(enrolled.secretsDir, 'staff-token'), 'utf8')).trim();
  });

  afterAll(async () => {
    if (process.env.EVALROOM_SHOW_LOGS) console.log(edgeLog.join('\n'));
    await edge?.stop();
    await cloud?.stop();
    await db?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('records the session, retries the handover while the archive is away, and stores its acknowledgement on both sides', async () => {
    const now = Date.now();
    const at = (ms: number) => new Date(now + ms).toISOString();
    const created = (await api.request('POST', '/v1/sessions', {
      projectCode: 'DL-2026-0007',
      projectName: '港区道路养护',
      lots: [{ lotId: 'lot-1', code: 'BD01', name: '第一标段' }],
      mainVenueId: 'venue-dl',
      startsAt: at(-60_000),
      endsAt: at(20_000),
      checkInOpensAt: at(-120_000),
      checkInClosesAt: at(10_000),
      assignments: [{ roomId, experts: [{ name: 'Rose Leslie', idNumber: makeResidentIdNumber('110105', '19870209', 13), workstation: 'A1' }] }],
    })) as { sessionId: string };
    const sessionId = created.sessionId;

    // The room records for the session while it runs.
    await waitFor('the room to record for the session', async () => {
      const s = (await edgeCall('GET', '/status')).recording as { activeSession: { sessionId: string } | null };
      return s.activeSession?.sessionId === sessionId ? true : undefined;
    }, 30_000);

    // The archive goes away before the session ends: the first handover attempts fail.
    await cloud!.stop();
    cloud = undefined;
    const failing = await waitFor('a failed handover attempt', async () => {
      const s = await footage(sessionId);
      return s && s.handover.status === 'pending' && (s.handover.attempts ?? 0) >= 1 ? s : undefined;
    }, 60_000, 500);
    expect(failing.cameras).toEqual(['camera-door']);
    expect(failing.segments).toBeGreaterThan(0);

    // Back again: the retry goes through and the appliance keeps the archive's receipt.
    cloud = await startCloud();
    api = new CloudApiClient(cloud.endpoints.http!, adminToken);
    const done = await waitFor('the archive to acknowledge', async () => {
      const s = await footage(sessionId);
      return s?.handover.status === 'acknowledged' ? s : undefined;
    }, 90_000, 500);
    const bundles = (await api.request('GET', `/v1/archive/sessions/${sessionId}`)) as Array<{ archiveId: string; bundleSha256: string; applianceId: string }>;
    expect(bundles).toHaveLength(1);
    expect(bundles[0]).toMatchObject({ applianceId, archiveId: done.handover.receipt!.archiveId, bundleSha256: done.handover.receipt!.bundleSha256 });
    const rows = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM archive_bundles WHERE session_id = $1', [sessionId]);
    expect(rows[0]!.n).toBe('1');

    // The durable handover record no longer lists it: a restart will not hand it over again.
    const record = JSON.parse(await readFile(path.join(roomData, 'state', 'handovers.json'), 'utf8')) as { sessions: Record<string, unknown> };
    expect(record.sessions[sessionId]).toBeUndefined();
    expect(edgeLog.some((l) => l.includes('footage handover failed; will retry'))).toBe(true);
  });
});
