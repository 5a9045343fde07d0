/**
 * @jest-environment ./test/face/ort-environment.js
 */
/**
 * Real drivers in the appliance: a real tablet is a network device that joins the room broker
 * itself (no port, no agent in the appliance), and a real GstCamera on a test pattern feeds both
 * the recorder and the face check through the room broker.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApplianceEvent } from '@evalroom/contracts';
import { SimIdReader, tablet } from '@evalroom/device-drivers';
import { startApp, type EdgeApp } from '../../src/app/app';
import { createMemoryLogger } from '../../src/app/logger';
import { parseConfig } from '../../src/config/load';
import { defaultFacesDir } from '../../src/face/manifest';
import { cardFromPhoto } from '../../src/http/sim-api';
import { initRecordingDisk } from '../../src/recording';
import { makeCard, makeDesired, makeSession, residentId, ScriptedFaceVerifier, taggedJpeg, taggedVerifier } from '../fixtures';
import { tempDir, waitFor } from '../helpers';

const ALICE = residentId('11010119800101123');

const checkinOutcome = (app: EdgeApp): ApplianceEvent | undefined =>
  app.outbox.list().find((e) => e.type === 'checkin.admitted' || e.type === 'checkin.rejected');

describe('real devices in the appliance', () => {
  it('a real tablet joins the room broker with its own device identity; check-in takes the face from it and admits', async () => {
    const tmp = tempDir();
    const logger = createMemoryLogger();
    const loaded = parseConfig(
      {
        applianceId: 'app-tab',
        roomId: 'room-1',
        dataDir: tmp.dir,
        broker: { port: 0 },
        http: { port: 0 },
        recording: { enabled: false },
        checkin: { faceSource: 'tablet', faceCaptureTimeoutMs: 3000 },
        devices: [
          { deviceId: 'reader-1', kind: 'idreader' },
          { deviceId: 'gate-1', kind: 'gate' },
          { deviceId: 'tablet-1', kind: 'tablet', driver: 'real' },
        ],
      },
      tmp.dir,
    );
    mkdirSync(join(tmp.dir, 'state'), { recursive: true });
    writeFileSync(loaded.paths.desiredCache, JSON.stringify(makeDesired([makeSession({ idNumbers: [ALICE] })], 1, 'app-tab')));
    const app = await startApp({ loaded, logger, faceVerifier: taggedVerifier(new ScriptedFaceVerifier()) });
    // The technician provisioned the tablet with its entry of room-credentials.json.
    const device = new tablet.TabletClientSimulator({
      brokerUrl: app.brokerUrl,
      tabletId: 'tablet-1',
      username: 'tablet-1',
      password: app.secrets.room.devices['tablet-1'],
      faceImage: taggedJpeg(ALICE),
    });
    try {
      expect(app.sims.has('tablet-1')).toBe(false);
      expect(logger.lines.some((l) => /waiting for the tablet/.test(l.msg) && l.deviceId === 'tablet-1')).toBe(true);
      // Nobody else holds the tablet's identity: the tablet itself connects (client id = username = device id).
      await device.start();
      (app.sims.get('reader-1') as SimIdReader).insertCard(makeCard(ALICE));
      await waitFor(() => !!checkinOutcome(app), 8000, 'check-in outcome');
      const ev = checkinOutcome(app)!;
      expect(ev.type).toBe('checkin.admitted');
      expect(ev.data).toMatchObject({ method: 'face', sessionId: 'sess-1' });
      expect(device.screen.health().present).toBe(true);
    } finally {
      await device.stop();
      await app.stop();
      tmp.cleanup();
    }
  }, 30_000);

  it('a real GstCamera on a test pattern is recorded and gives the live frame to the face check (no face → no_face)', async () => {
    const tmp = tempDir();
    const logger = createMemoryLogger();
    const now = Date.now();
    const session = makeSession({
      idNumbers: [ALICE],
      sessionId: 'sess-cam',
      lots: [{ lotId: 'lot-1', code: 'L1', name: 'Lot one' }],
      startsAt: new Date(now - 1000).toISOString(),
      endsAt: new Date(now + 5000).toISOString(),
    });
    const loaded = parseConfig(
      {
        applianceId: 'app-cam',
        roomId: 'room-1',
        dataDir: tmp.dir,
        broker: { port: 0 },
        http: { port: 0 },
        recording: { segmentSeconds: 2 },
        checkin: { faceSource: 'camera', faceCaptureTimeoutMs: 4000 },
        devices: [
          { deviceId: 'reader-1', kind: 'idreader' },
          { deviceId: 'gate-1', kind: 'gate' },
          { deviceId: 'cam-1', kind: 'camera', driver: 'real', options: { testPattern: 'smpte', stillWidth: 480, stillFps: 5 } },
        ],
      },
      tmp.dir,
    );
    mkdirSync(join(tmp.dir, 'state'), { recursive: true });
    writeFileSync(loaded.paths.desiredCache, JSON.stringify(makeDesired([session], 1, 'app-cam')));
    await initRecordingDisk(loaded.paths.recordingDir);
    // The real face engine: the probe is whatever the real camera driver delivered.
    const app = await startApp({ loaded, logger, recording: { tickMs: 200 } });
    try {
      expect(app.sims.has('cam-1')).toBe(false);
      expect(app.recording?.activeSession).toEqual({ sessionId: 'sess-cam', lotIds: ['lot-1'] });
      await waitFor(() => app.recording!.recorder.cameraPid('cam-1') !== null, 10_000, 'recorder pipeline for cam-1');

      const card = await cardFromPhoto({ faceImagePath: join(defaultFacesDir(), 'obama', 'obama_a.jpg'), idNumber: ALICE, birthDate: '19800101', name: '测试专家', sex: 'male' });
      (app.sims.get('reader-1') as SimIdReader).insertCard(card);
      await waitFor(() => !!checkinOutcome(app), 15_000, 'check-in outcome');
      const ev = checkinOutcome(app)!;
      expect(ev.type).toBe('checkin.rejected');
      expect(ev.data).toMatchObject({ outcome: 'no_face' });

      await waitFor(() => app.recording!.activeSession === null, 15_000, 'the session to end');
      let footage: Awaited<ReturnType<NonNullable<EdgeApp['recording']>['sessions']>> = [];
      await waitFor(
        () => {
          void app.recording!.sessions().then((s) => (footage = s));
          return footage.some((s) => s.sessionId === 'sess-cam' && s.cameras.includes('cam-1') && s.segments >= 1);
        },
        20_000,
        'footage of the real camera for the session',
      );
    } finally {
      await app.stop();
      tmp.cleanup();
    }
  }, 60_000);
});
