import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import type { RequestEnvelope } from '@evalroom/contracts';
import { startApp } from '../../src/app/app';
import { createMemoryLogger } from '../../src/app/logger';
import { parseConfig } from '../../src/config/load';
import { ScriptedFaceVerifier, makeCard, makeDesired, makeSession, residentId, taggedJpeg, taggedVerifier } from '../fixtures';
import { tempDir, waitFor } from '../helpers';

const ALICE = residentId('11010119800101123');

/** Node-RED started by the appliance with the shipped flow, on the room broker as `nodered`. */
describe('Node-RED in the appliance', () => {
  it('runs the shipped flow: a check-in event makes it send the appliance a status command through the room broker; stops with the appliance', async () => {
    const tmp = tempDir();
    const logger = createMemoryLogger();
    const loaded = parseConfig(
      {
        applianceId: 'app-nodered',
        roomId: 'room-1',
        dataDir: tmp.dir,
        broker: { port: 0 },
        http: { port: 0, simApi: true },
        recording: { enabled: false },
        nodeRed: { enabled: true },
        checkin: { faceCaptureTimeoutMs: 2000, repeatTapWindowMs: 0 },
        devices: [
          { deviceId: 'reader-1', kind: 'idreader' },
          { deviceId: 'gate-1', kind: 'gate' },
          { deviceId: 'cam-1', kind: 'camera' },
        ],
      },
      tmp.dir,
    );
    mkdirSync(`${tmp.dir}/state`, { recursive: true });
    writeFileSync(loaded.paths.desiredCache, JSON.stringify(makeDesired([makeSession({ idNumbers: [ALICE] })], 1, 'app-nodered')));
    const app = await startApp({ loaded, logger, faceVerifier: taggedVerifier(new ScriptedFaceVerifier()) });
    let stopped = false;
    try {
      expect(app.nodeRed).toBeDefined();
      expect(app.nodeRed!.editorUrl).toBeUndefined(); // no editor unless configured with an admin user
      expect(existsSync(`${tmp.dir}/nodered/flows.json`)).toBe(true);
      expect(statSync(`${tmp.dir}/secrets/nodered-credential-secret`).mode & 0o777).toBe(0o600);

      // The appliance's side of room/appliance/request: every command the flow sends arrives here.
      const requests: RequestEnvelope[] = [];
      app.room.on('applianceRequest', (r) => requests.push(r));
      // Node-RED connects asynchronously after start: wait until the broker has it.
      await waitFor(() => logger.lines.some((l) => l.msg === 'Node-RED running'), 10_000, 'Node-RED');

      const call = (method: string, path: string, body: unknown, type = 'application/json') =>
        fetch(app.httpUrl + path, { method, headers: { authorization: `Bearer ${app.secrets.staffToken}`, 'content-type': type }, body: Buffer.isBuffer(body) ? body : JSON.stringify(body) });
      // Tap until the flow hears it (its MQTT client connects in the background after start).
      const answered = () => requests.some((r) => r.command === 'status');
      for (let i = 0; i < 8 && !answered(); i++) {
        await call('PUT', '/sim/devices/cam-1/frame', taggedJpeg(ALICE), 'image/jpeg');
        await call('POST', '/sim/devices/reader-1/card', makeCard(ALICE));
        await waitFor(answered, 2500, 'the flow to ask for the status').catch(() => undefined);
        await call('DELETE', '/sim/devices/reader-1/card', {});
      }
      expect(answered()).toBe(true);
      await app.stop();
      stopped = true;
      expect(logger.lines.filter((l) => l.level === 'error')).toEqual([]);
    } finally {
      if (!stopped) await app.stop();
      tmp.cleanup();
    }
  }, 45_000);
});
