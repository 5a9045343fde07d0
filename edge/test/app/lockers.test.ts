import { mkdirSync, writeFileSync } from 'node:fs';
import { roomTopics, type ApplianceEvent, type ResponseEnvelope } from '@evalroom/contracts';
import type { MqttClient } from 'mqtt';
import { startApp, type EdgeApp } from '../../src/app/app';
import { createMemoryLogger } from '../../src/app/logger';
import { parseConfig } from '../../src/config/load';
import { ScriptedFaceVerifier, makeCard, makeDesired, makeSession, residentId, taggedJpeg, taggedVerifier } from '../fixtures';
import { connectOnce, tempDir, waitFor } from '../helpers';

const ALICE = residentId('11010119800101123');
const BOB = residentId('11010119800101456');
const CAROL = residentId('11010119800101777');

/** Phone lockers linked to check-in, through the room broker and the simulated locker bank. */
describe('lockers linked to check-in', () => {
  const tmp = tempDir();
  const logger = createMemoryLogger();
  let app: EdgeApp;
  let kiosk: MqttClient;
  const roomEvents: ApplianceEvent[] = [];
  const responses: ResponseEnvelope[] = [];

  const http = async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(app.httpUrl + path, {
      method,
      headers: { authorization: `Bearer ${app.secrets.staffToken}`, 'content-type': type },
      body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** A card on the reader; `face` puts the person in front of the camera (not on the way out: no capture then). */
  const tap = async (id: string, face = true): Promise<ApplianceEvent> => {
    const before = roomEvents.length;
    if (face) await http('PUT', '/sim/devices/cam-1/frame', taggedJpeg(id), 'image/jpeg');
    await http('POST', '/sim/devices/reader-1/card', makeCard(id));
    await waitFor(() => roomEvents.slice(before).some((e) => e.type.startsWith('checkin.')), 5000, 'check-in outcome');
    await http('DELETE', '/sim/devices/reader-1/card');
    return roomEvents.slice(before).find((e) => e.type.startsWith('checkin.'))!;
  };
  const lockerAssigned = () => (app.sims.get('locker-1')!.health().detail as { assigned: number }).assigned;

  beforeAll(async () => {
    const loaded = parseConfig(
      {
        applianceId: 'app-lockers',
        roomId: 'room-1',
        dataDir: tmp.dir,
        broker: { port: 0 },
        http: { port: 0, simApi: true },
        recording: { enabled: false },
        checkin: { faceCaptureTimeoutMs: 2000, gateOpenMs: 500, repeatTapWindowMs: 0 },
        devices: [
          { deviceId: 'reader-1', kind: 'idreader' },
          { deviceId: 'gate-1', kind: 'gate' },
          { deviceId: 'cam-1', kind: 'camera' },
          { deviceId: 'locker-1', kind: 'locker', options: { slots: 1 } },
        ],
      },
      tmp.dir,
    );
    mkdirSync(`${tmp.dir}/state`, { recursive: true });
    writeFileSync(loaded.paths.desiredCache, JSON.stringify(makeDesired([makeSession({ idNumbers: [ALICE, BOB, CAROL] })], 1, 'app-lockers')));
    app = await startApp({ loaded, logger, faceVerifier: taggedVerifier(new ScriptedFaceVerifier()) });
    // Listens as `nodered` (Node-RED is off here): the appliance's own kiosk holds the `kiosk` identity.
    kiosk = await connectOnce(app.brokerUrl, { clientId: 'nodered', username: 'nodered', password: app.secrets.room.nodered });
    kiosk.on('message', (topic, payload) => {
      const doc = JSON.parse(payload.toString());
      if (topic === roomTopics.applianceEvent) roomEvents.push(doc as ApplianceEvent);
      else if (topic === roomTopics.applianceResponse) responses.push(doc as ResponseEnvelope);
    });
    await kiosk.subscribeAsync([roomTopics.applianceEvent, roomTopics.applianceResponse], { qos: 1 });
  }, 30_000);

  afterAll(async () => {
    await kiosk?.endAsync();
    await app?.stop();
    tmp.cleanup();
  });

  it('assigns and opens a slot after an admission and tells the room which one', async () => {
    const admitted = await tap(ALICE);
    expect(admitted.type).toBe('checkin.admitted');
    const checkinId = (admitted.data as { checkinId: string }).checkinId;
    await waitFor(() => roomEvents.some((e) => e.type === 'locker.assigned'), 5000, 'locker.assigned');
    const assigned = roomEvents.find((e) => e.type === 'locker.assigned')!;
    expect(assigned.data).toEqual({ checkinId, sessionId: 'sess-1', expertRef: 'expert-1', lockerId: 'locker-1', lockerSlot: 1 });
    expect(lockerAssigned()).toBe(1);
    // Durable, and in the outbox for the cloud.
    expect(app.outbox.list().some((e) => e.type === 'locker.assigned')).toBe(true);
  });

  it('a locker failure (bank full) never blocks the admission; it is an alarm', async () => {
    const admitted = await tap(BOB);
    expect(admitted.type).toBe('checkin.admitted');
    await waitFor(() => roomEvents.some((e) => e.type === 'alarm.raised'), 5000, 'locker alarm');
    expect(roomEvents.find((e) => e.type === 'alarm.raised')!.data).toMatchObject({ alarm: 'locker_assign_failed', source: 'locker-1', severity: 'warning' });
    expect(roomEvents.filter((e) => e.type === 'locker.assigned')).toHaveLength(1);
  });

  it('releases the slot when the same card is read on the way out', async () => {
    const out = await tap(ALICE, false);
    expect(out.data).toMatchObject({ outcome: 'already_checked_in' });
    await waitFor(() => roomEvents.some((e) => e.type === 'locker.released'), 5000, 'locker.released');
    expect(roomEvents.find((e) => e.type === 'locker.released')!.data).toMatchObject({ lockerId: 'locker-1', lockerSlot: 1, by: 'card' });
    expect(lockerAssigned()).toBe(0);
  });

  it('staff release a slot through room/appliance/request locker.release; bad params are refused', async () => {
    expect((await tap(CAROL)).type).toBe('checkin.admitted');
    await waitFor(() => roomEvents.filter((e) => e.type === 'locker.assigned').length === 2, 5000, 'second assignment');
    const carol = roomEvents.filter((e) => e.type === 'locker.assigned')[1]!.data as { checkinId: string; lockerSlot: number };
    kiosk.publish(roomTopics.applianceRequest, JSON.stringify({ transaction: 'bad-1', command: 'locker.release', params: { staffId: 's1' } }), { qos: 1 });
    kiosk.publish(roomTopics.applianceRequest, JSON.stringify({ transaction: 'rel-1', command: 'locker.release', params: { checkinId: carol.checkinId, staffId: 'staff-7' } }), { qos: 1 });
    await waitFor(() => responses.some((r) => r.transaction === 'rel-1') && responses.some((r) => r.transaction === 'bad-1'), 5000, 'responses');
    expect(responses.find((r) => r.transaction === 'bad-1')).toMatchObject({ status: 'error', error: { code: 'bad_request' } });
    expect(responses.find((r) => r.transaction === 'rel-1')).toMatchObject({ status: 'ok', data: { released: true, slot: carol.lockerSlot, checkinId: carol.checkinId } });
    await waitFor(() => roomEvents.filter((e) => e.type === 'locker.released').length === 2, 5000, 'staff release event');
    expect(roomEvents.filter((e) => e.type === 'locker.released')[1]!.data).toMatchObject({ by: 'staff', staffId: 'staff-7', checkinId: carol.checkinId });
    expect(lockerAssigned()).toBe(0);
  }, 20_000);
});
