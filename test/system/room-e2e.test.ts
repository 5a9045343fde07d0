// The first complete path, through public interfaces only: the cloud and a room appliance run as
// separate processes; a session is created over HTTP, its roster reaches the room, a simulated
// card read plus a real face photo opens the gate, and the sign-in lands in the cloud database.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CloudApiClient, demoEdgeConfig, enrollAppliance, makeResidentIdNumber, type ServiceProcess } from '@evalroom/provisioning';
import { cloudEnvironment, repoRoot as root, startCloudProcess, startEdgeProcess } from '../support/processes';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { sleep, waitFor } from '../support/wait';

jest.setTimeout(240_000);

const faces = process.env.EVALROOM_FACES_DIR ?? path.resolve(root, '..', 'shared', 'faces');
const face = (person: string, file: string) => path.join(faces, person, file);


describe('a room, end to end', () => {
  let db: TestDatabase;
  let work: string;
  let cloud: ServiceProcess;
  let edge: ServiceProcess;
  let cloudEnv: NodeJS.ProcessEnv;
  let api: CloudApiClient;
  let edgeHttp: string;
  let staffToken: string;
  let sessionId: string;
  const edgeLog: string[] = [];
  const adminToken = randomBytes(24).toString('base64url');
  const roomId = `room-${randomBytes(3).toString('hex')}`;
  const applianceId = `${roomId}-box`;
  const people = {
    obama: { name: 'Barack Obama', idNumber: makeResidentIdNumber('110105', '19610804', 11) },
    kit: { name: 'Kit Harington', idNumber: makeResidentIdNumber('110105', '19861226', 12) },
    rose: { name: 'Rose Leslie', idNumber: makeResidentIdNumber('110105', '19870209', 13) },
  };

  const startCloud = () => startCloudProcess(cloudEnv);

  const edgeCall = async (method: string, route: string, body?: unknown, raw?: Buffer) => {
    const res = await fetch(`${edgeHttp}${route}`, {
      method,
      headers: { authorization: `Bearer ${staffToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: raw ?? (body !== undefined ? JSON.stringify(body) : undefined),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const gateOpenings = async (): Promise<number> =>
    ((await edgeCall('GET', '/sim/devices/gate-1')).history as Array<{ event: string }>).filter((h) => h.event === 'opened').length;

  /** Puts `live` in front of the door camera and `chip` (the card's chip photo) on the reader, once the gate has closed. */
  /** Returns how many times the gate had opened before the card went on the reader. */
  const presentCard = async (person: { name: string; idNumber: string }, chip: string, live: string): Promise<number> => {
    await waitFor('the gate to be closed', async () => ((await edgeCall('GET', '/sim/devices/gate-1')).open === false ? true : undefined));
    const openingsBefore = await gateOpenings();
    await edgeCall('PUT', '/sim/devices/camera-door/frame', undefined, await readFile(live));
    await edgeCall('POST', '/sim/devices/idreader-1/card', { faceImagePath: chip, name: person.name, idNumber: person.idNumber });
    return openingsBefore;
  };
  const takeCard = () => edgeCall('DELETE', '/sim/devices/idreader-1/card');

  beforeAll(async () => {
    db = await createTestDatabase();
    work = await mkdtemp(path.join(os.tmpdir(), 'evalroom-e2e-'));
    cloudEnv = await cloudEnvironment({ databaseUrl: db.url, adminToken, dataDir: path.join(work, 'cloud') });
    cloud = await startCloud();
    api = new CloudApiClient(cloud.endpoints.http!, adminToken);

    await api.request('POST', '/v1/trading-centers', { id: 'tc-shenyang', name: '沈阳市公共资源交易中心', level: 'city', regionCode: '2101' });
    await api.request('POST', '/v1/venues', { id: 'venue-sy', tradingCenterId: 'tc-shenyang', name: '沈阳评标场所' });
    await api.request('POST', '/v1/rooms', {
      id: roomId,
      venueId: 'venue-sy',
      name: '第三评标室',
      workstations: [{ code: 'A1' }, { code: 'A2' }, { code: 'A3' }],
    });
    const enrolled = await enrollAppliance({
      api,
      applianceId,
      roomId,
      dataDir: path.join(work, 'room'),
      config: demoEdgeConfig({ http: 0, broker: 0 }),
      mqttUrl: cloud.endpoints.mqtt,
    });
    edge = await startEdgeProcess(enrolled.configPath, (line) => edgeLog.push(line));
    edgeHttp = edge.endpoints.http!;
    staffToken = (await readFile(path.join(enrolled.secretsDir, 'staff-token'), 'utf8')).trim();
  });

  afterAll(async () => {
    if (process.env.EVALROOM_SHOW_LOGS) console.log(edgeLog.join('\n'));
    await edge?.stop();
    await cloud?.stop();
    await db?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('delivers the session roster to the room', async () => {
    const now = Date.now();
    const at = (min: number) => new Date(now + min * 60_000).toISOString();
    const created = await api.request('POST', '/v1/sessions', {
      projectCode: 'LN-2026-0042',
      projectName: '市政道路改造工程施工',
      lots: [{ lotId: 'lot-1', code: 'BD01', name: '第一标段' }],
      mainVenueId: 'venue-sy',
      startsAt: at(30),
      endsAt: at(300),
      checkInOpensAt: at(-10),
      checkInClosesAt: at(240),
      assignments: [
        {
          roomId,
          experts: [
            { ...people.obama, workstation: 'A1' },
            { ...people.kit, workstation: 'A2' },
            { ...people.rose, workstation: 'A3' },
          ],
        },
      ],
    });
    sessionId = (created as { sessionId: string }).sessionId;
    const applied = await waitFor('the room to apply the desired state with the session', async () => {
      const appliance = (await api.request('GET', `/v1/appliances/${applianceId}`)) as { desiredVersion: number; appliedVersion: number | null };
      const status = await edgeCall('GET', '/status');
      return appliance.desiredVersion > 0 && appliance.appliedVersion === appliance.desiredVersion && status.desiredVersion === appliance.desiredVersion
        ? appliance
        : undefined;
    });
    expect(applied.appliedVersion).toBeGreaterThan(0);
  });

  it('opens the gate for the expert on the roster and records the sign-in in the cloud', async () => {
    const before = await presentCard(people.obama, face('obama', 'obama_a.jpg'), face('obama', 'obama_b.jpg'));
    await waitFor('the gate to open', async () => ((await gateOpenings()) > before ? true : undefined));
    const rows = await waitFor('the sign-in row', async () => {
      const r = await db.query<{ session_id: string; method: string; arrived_at: Date; workstation: string }>(
        'SELECT session_id, method, arrived_at, workstation FROM signins WHERE session_id = $1',
        [sessionId],
      );
      return r.length > 0 ? r : undefined;
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ session_id: sessionId, method: 'face', workstation: 'A1' });
    expect(Math.abs(rows[0]!.arrived_at.getTime() - Date.now())).toBeLessThan(60_000);
    await takeCard();
  });

  it('keeps the gate closed for a different face and stores the mismatch', async () => {
    const before = await presentCard(people.kit, face('kit_harington', 'kit_a.jpg'), face('obama', 'obama_d.jpg'));
    const rejection = await waitFor('the mismatch to reach the cloud', async () => {
      const r = await db.query<{ outcome: string }>('SELECT outcome FROM checkin_rejections WHERE session_id = $1', [sessionId]);
      return r.length > 0 ? r : undefined;
    });
    expect(rejection.map((r) => r.outcome)).toEqual(['face_mismatch']);
    await sleep(500);
    expect(await gateOpenings()).toBe(before);
    const signins = await db.query('SELECT 1 FROM signins WHERE session_id = $1', [sessionId]);
    expect(signins).toHaveLength(1);
    await takeCard();
  });

  it('leaves no face image or template on disk, in the outbox or in the logs', async () => {
    // Recordings are the room's video evidence by design; everything else the appliance wrote
    // (outbox journal, desired-state cache, check-in records, secrets) must hold no biometrics.
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== 'recordings' && entry.name !== 'exports') await walk(full);
        } else if (entry.isFile() && (await stat(full)).size < 64 * 1024 * 1024) files.push(full);
      }
    };
    await walk(path.join(work, 'room'));
    expect(files.some((f) => /outbox/i.test(f))).toBe(true);
    const imageSignatures = [Buffer.from([0xff, 0xd8, 0xff]), Buffer.from('\x89PNG\r\n\x1a\n', 'binary'), Buffer.from('RIFF')];
    const longBase64 = /[A-Za-z0-9+/]{1500,}/;
    const embeddingArray = /\[(?:\s*-?\d+(?:\.\d+)?(?:e-?\d+)?\s*,){127,}/i;
    for (const file of files) {
      const bytes = await readFile(file);
      const text = bytes.toString('latin1');
      for (const sig of imageSignatures) expect({ file, image: bytes.includes(sig) }).toEqual({ file, image: false });
      expect({ file, base64: longBase64.test(text) }).toEqual({ file, base64: false });
      expect({ file, template: embeddingArray.test(text) }).toEqual({ file, template: false });
    }
    const log = edgeLog.join('\n');
    expect(longBase64.test(log)).toBe(false);
    expect(embeddingArray.test(log)).toBe(false);
    for (const person of Object.values(people)) expect(log.includes(person.idNumber)).toBe(false);
  });

  it('admits while the cloud is away and delivers the sign-in exactly once after it returns', async () => {
    await cloud.stop();
    const before = await presentCard(people.rose, face('rose_leslie', 'rose_a.jpg'), face('rose_leslie', 'rose_b.jpg'));
    await waitFor('the gate to open with the cloud down', async () => ((await gateOpenings()) > before ? true : undefined));
    const offline = await db.query('SELECT 1 FROM signins WHERE session_id = $1', [sessionId]);
    expect(offline).toHaveLength(1);
    await takeCard();

    cloud = await startCloud();
    const after = await waitFor('the offline sign-in to arrive', async () => {
      const r = await db.query<{ checkin_id: string }>('SELECT checkin_id FROM signins WHERE session_id = $1', [sessionId]);
      return r.length === 2 ? r : undefined;
    }, 60_000);
    expect(after).toHaveLength(2);
    // Redelivery must not duplicate: wait for the outbox to drain, then count again.
    await waitFor('the outbox to drain', async () => ((await edgeCall('GET', '/status')).outboxPending === 0 ? true : undefined), 60_000);
    await sleep(1000);
    const events = await db.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM appliance_events WHERE appliance_id = $1 AND type = 'checkin.admitted'",
      [applianceId],
    );
    expect(events[0]!.n).toBe('2');
    expect(await db.query('SELECT 1 FROM signins WHERE session_id = $1', [sessionId])).toHaveLength(2);
  });
});
