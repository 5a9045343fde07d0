import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TopicId } from '@evalroom/contracts';
import { HttpError, type HttpApi } from '../http/server';
import type { Logger } from './logger';
import type { RoomRecording } from './recording';

/**
 * Footage over the appliance's HTTP API (staff bearer token). Every call is an access to
 * evidence and is audited in the appliance's log: `footage access` with the action, the session
 * and the outcome.
 */
export function registerFootageApi(api: HttpApi, o: { recording: RoomRecording | undefined; dataDir: string; logger: Logger; now?: () => Date }): void {
  const log = o.logger.child({ part: 'footage', audit: 'footage' });
  const now = o.now ?? (() => new Date());
  const need = (): RoomRecording => {
    if (!o.recording) throw new HttpError(503, 'unavailable', 'recording is disabled on this appliance');
    return o.recording;
  };

  api.route('GET', '/footage/sessions', async () => {
    const sessions = await need().sessions();
    log.info('footage access', { action: 'list', sessions: sessions.length });
    return { body: { sessions } };
  });

  api.route('POST', '/footage/sessions/:sessionId/export', async (req) => {
    const recording = need();
    const id = TopicId.safeParse(req.params.sessionId);
    if (!id.success) throw new HttpError(400, 'bad_request', 'session id is not valid');
    const sessionId = id.data;
    const stamp = now().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const outDir = join(o.dataDir, 'exports', `${sessionId}-${stamp}`);
    try {
      const r = await recording.recorder.exportSessionBundle(sessionId, outDir);
      log.info('footage access', { action: 'export', sessionId, path: r.outDir, segments: r.segments, bytes: r.bytes });
      return { status: 201, body: { path: r.outDir, manifest: { path: r.manifestPath, cameras: r.cameras, segments: r.segments, bytes: r.bytes } } };
    } catch (err) {
      const msg = (err as Error).message;
      log.info('footage access', { action: 'export', sessionId, refused: msg });
      await rm(outDir, { recursive: true, force: true });
      if (/nothing recorded/.test(msg)) throw new HttpError(404, 'not_found', `no footage of session ${sessionId}`);
      throw err;
    }
  });

  api.route('GET', '/footage/verify', async () => {
    const report = await need().recorder.verify();
    log.info('footage access', { action: 'verify', ok: report.ok, problems: report.problems.length });
    return { body: report };
  });
}
