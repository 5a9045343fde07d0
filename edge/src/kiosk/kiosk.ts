import { randomBytes } from 'node:crypto';
import { ApplianceEventBody, validate, type ApplianceEvent, type EdgeConfig } from '@evalroom/contracts';
import type { Logger } from '../app/logger';
import type { CheckinService } from '../checkin/service';
import type { DesiredStore } from '../cloudlink/desired-store';
import type { Outbox } from '../cloudlink/outbox';
import type { RoomClient } from '../devices/room-client';
import { HttpError, type HttpApi } from '../http/server';
import { KioskFeed, type FeedEntry } from './feed';
import { todaySessions } from './sessions';
import { DEFAULT_UI_DIR, StaticFiles } from './static';

export interface KioskOptions {
  api: HttpApi;
  config: EdgeConfig;
  desired: DesiredStore;
  /** Every recorded event reaches the feed from here (in process: nothing lost, no broker identity taken). */
  outbox: Pick<Outbox, 'onAppend'>;
  /** The readers' card.read events (already validated by the room client) give the name on the card. */
  room: Pick<RoomClient, 'on'>;
  checkin: CheckinService | undefined;
  /** The app's recorder: durable in the outbox first, then the room and the cloud hear of it. */
  record: (body: ApplianceEventBody) => ApplianceEvent;
  logger: Logger;
  uiDir?: string;
  /** How long GET /kiosk/feed/:cursor holds a request open when nothing changed. */
  longPollMs?: number;
  now?: () => Date;
}

/** What the page receives for each feed line: the entry plus whether staff may override it now. */
export type KioskFeedItem = FeedEntry & { overridable: boolean };

/**
 * The venue staff kiosk: the page at /kiosk/ (public static files) and its data routes (staff
 * token): today's sessions, the live feed of outcomes at the door (long poll) and incidents.
 * Returns a stop handle for the app's stop stack.
 */
export async function startKiosk(opts: KioskOptions): Promise<{ name: string; stop: () => Promise<void> }> {
  const { api, config } = opts;
  const log = opts.logger.child({ part: 'kiosk' });
  const now = opts.now ?? (() => new Date());
  const longPollMs = opts.longPollMs ?? 20_000;
  const ui = StaticFiles.tryOpen(opts.uiDir ?? DEFAULT_UI_DIR);
  if (ui.error) log.error('kiosk page files missing; /kiosk/ will answer 404', { err: ui.error });
  const files = ui.files;
  const feed = new KioskFeed({ now });
  // An outcome decided at once (unknown card…) is stored while the room client is still handing
  // out the card.read that caused it; applying events one macrotask later lets the read land first.
  const unsubscribe = [
    opts.outbox.onAppend((event) => setImmediate(() => feed.event(event))),
    opts.room.on('deviceEvent', (_deviceId, kind, ev) => {
      if (kind === 'idreader' && ev.event.type === 'card.read') feed.cardRead((ev.event as { card: { name: string } }).card.name);
    }),
  ];

  const sessions = () => todaySessions(opts.desired.get(), config.roomId, config.timezone, now(), opts.checkin?.admissions() ?? {});

  const feedItems = (): KioskFeedItem[] => {
    const open = new Set((opts.checkin?.snapshot().overridable ?? []).map((o) => o.checkinId));
    return feed.list().map((e) => ({ ...e, overridable: !e.overriddenBy && e.checkinId !== undefined && e.outcome !== 'admitted' && e.outcome !== 'admitted_by_staff' && open.has(e.checkinId) }));
  };

  // Data routes first: the static catch-all /kiosk/:file comes last.
  api.route('GET', '/kiosk/sessions', async () => ({
    body: { applianceId: config.applianceId, roomId: config.roomId, desiredVersion: opts.desired.get()?.version ?? null, ...sessions() },
  }));

  // The cursor is `<epoch>-<version>`; a cursor from an earlier start (other epoch) or a bare
  // `0` is answered at once, so a page that outlived a restart resyncs instead of waiting.
  const epoch = randomBytes(4).toString('hex');
  api.route('GET', '/kiosk/feed/:cursor', async (req) => {
    const m = /^(?:([0-9a-f]{8})-)?(\d{1,12})$/.exec(req.params.cursor!);
    if (!m) throw new HttpError(400, 'bad_request', 'cursor must be <epoch>-<version> as returned, or 0');
    const after = Number(m[2]);
    if (m[1] === epoch) await feed.waitForChange(after, longPollMs);
    return { body: { cursor: `${epoch}-${feed.version}`, version: feed.version, entries: feedItems() } };
  });

  api.route('POST', '/kiosk/incidents', async (req) => {
    const body = validate(ApplianceEventBody, { type: 'incident.recorded', data: req.json() });
    if (!body.ok) throw new HttpError(400, 'bad_request', body.reason);
    if (body.value.type !== 'incident.recorded') throw new HttpError(400, 'bad_request', 'not an incident');
    const d = body.value.data;
    const missing = (['description', 'handling', 'staffId'] as const).filter((k) => d[k].trim().length === 0);
    if (missing.length) throw new HttpError(400, 'bad_request', `required: ${missing.join(', ')}`);
    if (d.sessionId !== undefined && !(opts.desired.get()?.sessions ?? []).some((s) => s.sessionId === d.sessionId))
      throw new HttpError(400, 'bad_request', `unknown session ${d.sessionId}`);
    const event = opts.record(body.value);
    log.info('incident recorded', { eventId: event.eventId, staffId: d.staffId, sessionId: d.sessionId });
    return { status: 201, body: { recorded: true, eventId: event.eventId, seq: event.seq } };
  });

  api.route('GET', '/kiosk', async () => ({ status: 302, body: Buffer.alloc(0), headers: { location: '/kiosk/' } }), { public: true });
  const serve = async (name: string) => {
    const f = await files.get(name);
    if (!f) throw new HttpError(404, 'not_found', 'no such file');
    return f;
  };
  api.route('GET', '/kiosk/', () => serve('index.html'), { public: true });
  api.route('GET', '/kiosk/:file', (req) => serve(req.params.file!), { public: true });

  return {
    name: 'kiosk',
    stop: async () => {
      for (const off of unsubscribe) off();
      feed.close();
    },
  };
}
