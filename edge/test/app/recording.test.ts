import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BundleManifest } from '@evalroom/contracts';
import { startApp, type EdgeApp } from '../../src/app/app';
import { createMemoryLogger } from '../../src/app/logger';
import { parseConfig } from '../../src/config/load';
import { initRecordingDisk } from '../../src/recording';
import { makeDesired, makeSession } from '../fixtures';
import { tempDir, waitFor } from '../helpers';

/**
 * The recorder inside the appliance: real gst-launch pipelines on the simulated cameras' test
 * source, the active session taken from the desired state, alarms as appliance events, and the
 * footage endpoints of the edge API.
 */
describe('recording in the appliance', () => {
  const http = async (app: EdgeApp, method: string, path: string, token = app.secrets.staffToken) => {
    const res = await fetch(app.httpUrl + path, { method, headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('tags footage with the session active now, goes idle when it ends, and serves list/export/verify to staff (audited)', async () => {
    const tmp = tempDir();
    const logger = createMemoryLogger();
    const now = Date.now();
    // The session runs from a second ago for 6 s; the room records for it, then idle.
    const session = makeSession({
      idNumbers: ['110101198001011234'],
      sessionId: 'sess-rec',
      lots: [{ lotId: 'lot-1', code: 'L1', name: 'Lot one' }],
      startsAt: new Date(now - 1000).toISOString(),
      endsAt: new Date(now + 6000).toISOString(),
    });
    const loaded = parseConfig(
      {
        applianceId: 'app-rec',
        roomId: 'room-1',
        dataDir: tmp.dir,
        broker: { port: 0 },
        http: { port: 0 },
        recording: { segmentSeconds: 2 },
        devices: [
          { deviceId: 'cam-a', kind: 'camera' },
          { deviceId: 'cam-b', kind: 'camera', options: { testPattern: 'ball' } },
        ],
      },
      tmp.dir,
    );
    mkdirSync(join(tmp.dir, 'state'), { recursive: true });
    writeFileSync(loaded.paths.desiredCache, JSON.stringify(makeDesired([session], 1, 'app-rec')));
    await initRecordingDisk(loaded.paths.recordingDir);
    const app = await startApp({ loaded, logger, recording: { tickMs: 200 } });
    try {
      expect(app.recording?.activeSession).toEqual({ sessionId: 'sess-rec', lotIds: ['lot-1'] });
      await waitFor(() => app.recording?.activeSession === null, 15_000, 'the session to end');
      // Segments of both cameras are sealed with the session's tag.
      let listed: Array<Record<string, unknown>> = [];
      await waitFor(
        () => {
          void http(app, 'GET', '/footage/sessions').then((r) => (listed = r.body.sessions as typeof listed));
          const s = listed.find((x) => x.sessionId === 'sess-rec');
          return !!s && (s.cameras as string[]).length === 2;
        },
        20_000,
        'footage of both cameras listed for the session',
      );
      const entry = listed.find((x) => x.sessionId === 'sess-rec')!;
      expect(entry).toMatchObject({ lotIds: ['lot-1'], cameras: ['cam-a', 'cam-b'], handover: { status: 'pending', attempts: 0 } });
      expect(entry.segments as number).toBeGreaterThanOrEqual(2);
      expect(app.recording!.pendingHandovers()).toEqual(['sess-rec']);
      // The handover record is durable (a restart resumes it).
      expect(JSON.parse(readFileSync(join(tmp.dir, 'state', 'handovers.json'), 'utf8')).sessions['sess-rec']).toMatchObject({ attempts: 0 });

      // Staff only.
      expect((await http(app, 'GET', '/footage/sessions', 'wrong')).status).toBe(401);
      expect((await http(app, 'POST', '/footage/sessions/sess-rec/export', 'wrong')).status).toBe(401);

      const exp = await http(app, 'POST', '/footage/sessions/sess-rec/export');
      expect(exp.status).toBe(201);
      const out = exp.body.path as string;
      expect(out.startsWith(join(tmp.dir, 'exports', 'sess-rec-'))).toBe(true);
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as BundleManifest;
      expect(manifest.selection).toEqual({ sessionId: 'sess-rec' });
      expect(manifest.files.length).toBe((exp.body.manifest as { segments: number }).segments);
      expect(manifest.files.length).toBeGreaterThanOrEqual(2);
      expect(existsSync(join(out, 'manifest.sig'))).toBe(true);

      const none = await http(app, 'POST', '/footage/sessions/sess-none/export');
      expect(none.status).toBe(404);
      expect(existsSync(join(tmp.dir, 'exports'))).toBe(true);

      const verify = await http(app, 'GET', '/footage/verify');
      expect(verify.status).toBe(200);
      expect(verify.body).toMatchObject({ ok: true, kind: 'directory', firstBad: null });

      const audit = logger.lines.filter((l) => l.msg === 'footage access');
      expect(audit.map((l) => l.action).slice(-3)).toEqual(['export', 'export', 'verify']);
      expect(audit.slice(0, -3).every((l) => l.action === 'list')).toBe(true);
      expect(audit.length).toBeGreaterThanOrEqual(4);
      expect(audit.find((l) => l.action === 'export' && l.sessionId === 'sess-rec')).toMatchObject({ audit: 'footage', path: out });

      // Telemetry carries the recorder's figures and the disk.
      const status = await http(app, 'GET', '/status');
      expect(status.body.recording).toMatchObject({ state: 'recording', activeSession: null, pendingHandovers: ['sess-rec'] });
    } finally {
      await app.stop();
      tmp.cleanup();
    }
  }, 60_000);

  it('raises recording_disk_not_mounted as an appliance event (outbox, for the cloud) when the disk marker is missing, and never creates it', async () => {
    const tmp = tempDir();
    const logger = createMemoryLogger();
    const loaded = parseConfig(
      { applianceId: 'app-nodisk', roomId: 'room-1', dataDir: tmp.dir, broker: { port: 0 }, http: { port: 0 }, devices: [{ deviceId: 'cam-a', kind: 'camera' }] },
      tmp.dir,
    );
    const app = await startApp({ loaded, logger });
    try {
      const alarm = app.outbox.list().find((e) => e.type === 'alarm.raised');
      expect(alarm).toMatchObject({ type: 'alarm.raised', data: { alarm: 'recording_disk_not_mounted', severity: 'critical', source: 'recorder' } });
      expect(existsSync(join(loaded.paths.recordingDir, '.evalroom-recording-disk'))).toBe(false);
      const status = (await http(app, 'GET', '/status')).body.recording as Record<string, unknown>;
      expect(status).toMatchObject({ state: 'disk_not_mounted', alarms: ['recording_disk_not_mounted'] });
      expect(app.recording!.telemetry(new Date().toISOString()).find((s) => s.metric === 'recording.disk_used_pct')?.value).toBe(-1);
    } finally {
      await app.stop();
      tmp.cleanup();
    }
  }, 30_000);
});

