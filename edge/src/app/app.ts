import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  StaffOverride,
  errorResponse,
  okResponse,
  parsePayload,
  roomTopics,
  validate,
  type ApplianceEvent,
  type ApplianceEventBody,
  type DeviceConfig,
  type FaceVerifier,
  type IdCard,
  type RequestEnvelope,
} from '@evalroom/contracts';
import { DeviceAgent, createDevicePort, createSimDevice, type AnyDevicePort, type CameraPort, type SimDevice } from '@evalroom/device-drivers';
import { z } from 'zod';
import { startRoomBroker, type RoomBroker } from '../broker/process';
import { CheckinService } from '../checkin/service';
import { CloudLink } from '../cloudlink/link';
import { DesiredStore } from '../cloudlink/desired-store';
import { Outbox } from '../cloudlink/outbox';
import { TelemetryStore } from '../cloudlink/telemetry-store';
import type { LoadedConfig } from '../config/load';
import { ensureSecrets, type EdgeSecrets } from '../config/secrets';
import { atomicWriteFileSync } from '../store/atomic';
import { RoomClient } from '../devices/room-client';
import { HttpApi, HttpError } from '../http/server';
import { registerSimApi } from '../http/sim-api';
import { startKiosk } from '../kiosk';
import { LatencyWindow, collectBatch, type TelemetrySource } from '../telemetry/collector';
import { ApplianceCommands } from './appliance-requests';
import { loadFaceVerifier } from './face-loader';
import { registerFootageApi } from './footage-api';
import { createLogger, type Logger } from './logger';
import { LockerLink } from './lockers';
import { startRoomNodeRed, type RoomNodeRed } from './nodered';
import { RoomRecording } from './recording';

export interface AppOptions {
  loaded: LoadedConfig;
  logger?: Logger;
  /** An injected verifier (tests, benches); otherwise the real engine from edge/src/face. */
  faceVerifier?: FaceVerifier;
  cloudRetryMs?: number;
  telemetryIntervalMs?: number;
  firmware?: string;
  /** Recording knobs tests shorten; production takes everything from config.recording. */
  recording?: {
    tickMs?: number;
    handoverBackoff?: { initialMs: number; maxMs: number };
    handoverGraceMs?: number;
    diskCheckIntervalMs?: number;
    segmentSeconds?: number;
  };
}

export interface EdgeApp {
  readonly httpUrl: string;
  readonly brokerUrl: string;
  readonly secrets: EdgeSecrets;
  readonly sims: ReadonlyMap<string, SimDevice>;
  readonly checkin: CheckinService | undefined;
  readonly outbox: Outbox;
  readonly desired: DesiredStore;
  readonly cloud: CloudLink | undefined;
  readonly room: RoomClient;
  readonly latency: LatencyWindow;
  readonly brokerPid: number;
  /** The room's recording (undefined when recording.enabled is false). */
  readonly recording: RoomRecording | undefined;
  /** Node-RED (undefined unless nodeRed.enabled). */
  readonly nodeRed: RoomNodeRed | undefined;
  stop(): Promise<void>;
}

const Admitted = z.record(z.string().max(200), z.string().max(64));

function loadAdmitted(file: string, logger: Logger): Record<string, string> {
  if (!existsSync(file)) return {};
  const parsed = parsePayload(Admitted, readFileSync(file));
  if (!parsed.ok) {
    logger.error('admissions file is invalid; starting with none', { file, reason: parsed.reason });
    return {};
  }
  return parsed.value;
}

/**
 * Shutdown order: nothing new comes in (HTTP, timers, Node-RED), then check-in, then everything
 * on the room broker (device agents, the room client), then the broker itself, then the cloud
 * link and the durable stores it syncs, and the recorder last so footage runs to the very end.
 */
export const STOP_ORDER = ['intake', 'checkin', 'room', 'broker', 'cloud', 'stores', 'recorder', 'engines'] as const;
export type StopPhase = (typeof STOP_ORDER)[number];

const firstOf = (devices: DeviceConfig[], kind: DeviceConfig['kind']): DeviceConfig | undefined => devices.find((d) => d.kind === kind);

/** The composition root: builds every part from the config, with injected instances only. */
export async function startApp(opts: AppOptions): Promise<EdgeApp> {
  const { config, paths } = opts.loaded;
  const logger = opts.logger ?? createLogger();
  const log = logger.child({ part: 'app' });
  // Parts stop phase by phase (see StopPhase), the latest started first within a phase; a start
  // that fails half-way stops what it had started the same way.
  const stack: Array<{ name: string; phase: StopPhase; stop: () => Promise<void> | void }> = [];
  const stopAll = async (): Promise<void> => {
    const order = stack.map((s, i) => ({ ...s, i })).sort((a, b) => STOP_ORDER.indexOf(a.phase) - STOP_ORDER.indexOf(b.phase) || b.i - a.i);
    stack.length = 0;
    for (const s of order) {
      try {
        await s.stop();
      } catch (err) {
        log.error('stop failed', { part: s.name, err: (err as Error).message });
      }
    }
  };
  const onStop = (phase: StopPhase, name: string, stop: () => Promise<void> | void): void => {
    stack.push({ name, phase, stop });
  };

  try {
    mkdirSync(paths.dataDir, { recursive: true, mode: 0o750 });
    const secrets = await ensureSecrets(
      paths.secretsDir,
      config.devices.map((d) => d.deviceId),
      { cloud: config.cloud !== undefined },
    );

    // Check-in needs a reader, a gate and a face source; without them the room still runs.
    const gateCfg = firstOf(config.devices, 'gate');
    const readerCfg = firstOf(config.devices, 'idreader');
    const faceCfg = firstOf(config.devices, config.checkin.faceSource);
    const checkinEnabled = !!(gateCfg && readerCfg && faceCfg);
    let face: FaceVerifier | undefined;
    if (checkinEnabled) {
      face = opts.faceVerifier ?? (await loadFaceVerifier(config.face));
      const f = face;
      if (!opts.faceVerifier) onStop('engines', 'face', () => f.close());
    } else {
      log.warn('check-in disabled: it needs an idreader, a gate and a face source', { faceSource: config.checkin.faceSource });
    }

    const broker: RoomBroker = await startRoomBroker({ host: config.broker.host, port: config.broker.port, usersFile: secrets.usersFile, logger });
    onStop('broker', 'broker', () => broker.stop());

    // The outbox closes after the room client, so outcomes of requests cut short by a stop are still stored.
    const outbox = new Outbox(paths.outboxDir, config.applianceId, logger.child({ part: 'outbox' }));
    outbox.open();
    onStop('stores', 'outbox', () => outbox.close());
    const telemetry = new TelemetryStore(paths.outboxDir, logger.child({ part: 'telemetry' }));
    telemetry.open();
    onStop('stores', 'telemetry-store', () => telemetry.close());
    const room = new RoomClient({ url: broker.url, password: secrets.room.appliance, devices: config.devices, logger });
    await room.start();
    onStop('room', 'room', () => room.stop());

    const desired = new DesiredStore(paths.desiredCache, config.applianceId, logger.child({ part: 'desired' }));
    const cached = desired.load();
    if (cached) log.info('working from cached desired state', { version: cached.version, sessions: cached.sessions.length });

    let checkin: CheckinService | undefined;
    const publishApplianceState = (): void => {
      const d = desired.get();
      room.publish(
        roomTopics.applianceState,
        {
          v: 1,
          applianceId: config.applianceId,
          roomId: config.roomId,
          ts: new Date().toISOString(),
          desiredVersion: d?.version ?? null,
          sessions: (d?.sessions ?? [])
            .filter((s) => (s.roomId ?? config.roomId) === config.roomId)
            .map((s) => ({
              sessionId: s.sessionId,
              projectCode: s.projectCode,
              projectName: s.projectName,
              status: s.status,
              checkInOpensAt: s.checkInOpensAt,
              checkInClosesAt: s.checkInClosesAt,
              rosterSize: s.roster.length,
            })),
          door: checkin?.snapshot() ?? null,
          cloudConnected: cloud?.connected ?? false,
          outboxPending: outbox.pendingCount,
        },
        { retain: true },
      );
    };

    let cloud: CloudLink | undefined;
    let recording: RoomRecording | undefined;
    if (config.cloud && secrets.cloud) {
      cloud = new CloudLink({
        mqttUrl: config.cloud.mqttUrl,
        applianceId: config.applianceId,
        credentials: secrets.cloud,
        desired,
        outbox,
        telemetry,
        logger,
        retryMs: opts.cloudRetryMs,
        reported: () => ({
          ...(opts.firmware ? { firmware: opts.firmware } : {}),
          devices: config.devices.map((d) => {
            const s = room.deviceStates().find((x) => x.deviceId === d.deviceId);
            return { deviceId: d.deviceId, kind: d.kind, online: s?.online ?? false, driver: d.driver };
          }),
        }),
        onDesired: () => {
          publishApplianceState();
          recording?.refresh();
        },
      });
      const c = cloud;
      onStop('cloud', 'cloud', () => c.stop());
      cloud.start();
    } else {
      log.warn('no cloud configured: events stay in the outbox');
    }

    /** Every appliance event: durable first, then the room and the cloud hear of it. */
    const record = (body: ApplianceEventBody): ApplianceEvent => {
      const event = outbox.append(body);
      room.publish(roomTopics.applianceEvent, event);
      cloud?.flush();
      return event;
    };

    // Devices: simulators (and their agents) run inside the appliance process; real drivers
    // come from device-drivers/real when configured.
    const sims = new Map<string, SimDevice>();
    const ports: Array<{ deviceId: string; port: AnyDevicePort }> = [];
    for (const d of config.devices) {
      if (d.kind === 'tablet' && d.driver === 'real') {
        // A real tablet is a network device: it joins the room broker itself as `d.deviceId` with its
        // provisioned password and serves room/dev/{id}/request; a port or agent here would publish
        // on its topics next to it.
        log.info('waiting for the tablet to connect to the room broker', { deviceId: d.deviceId });
        continue;
      }
      const port = d.driver === 'simulated' ? createSimDevice(d) : await createDevicePort(d);
      if (d.driver === 'simulated') sims.set(d.deviceId, port as SimDevice);
      const agent = new DeviceAgent({ deviceId: d.deviceId, port, brokerUrl: broker.url, password: secrets.room.devices[d.deviceId]!, logger: logger.child({ part: 'agent' }) });
      await agent.start();
      onStop('room', `device ${d.deviceId}`, () => agent.stop());
      ports.push({ deviceId: d.deviceId, port });
    }

    // Recording: every camera device feeds the recorder; it runs until the very end of a stop.
    if (config.recording.enabled) {
      const cameras = ports.filter((p): p is { deviceId: string; port: CameraPort } => p.port.kind === 'camera');
      const r = await RoomRecording.create({
        config,
        paths,
        cameras,
        desired: () => desired.get(),
        record,
        ...(config.cloud?.httpUrl && secrets.cloud ? { archive: { baseUrl: config.cloud.httpUrl, secret: secrets.cloud.password } } : {}),
        logger,
        ...opts.recording,
        recorder: { diskCheckIntervalMs: opts.recording?.diskCheckIntervalMs, segmentSeconds: opts.recording?.segmentSeconds },
      });
      onStop('recorder', 'recorder', () => r.stop());
      await r.start();
      recording = r;
      if (!config.cloud?.httpUrl) log.warn('no cloud.httpUrl configured: footage stays on the appliance until one is');
    }

    // Admissions survive a restart, so a repeated tap after a reboot still reads already_checked_in.
    const admittedFile = join(paths.dataDir, 'state', 'admitted.json');
    const admitted = loadAdmitted(admittedFile, logger);
    const latency = new LatencyWindow();
    // Phone lockers follow admissions; a locker problem is an alarm, never a refused admission.
    const lockerCfg = firstOf(config.devices, 'locker');
    const lockers = lockerCfg
      ? new LockerLink({ room, lockerId: lockerCfg.deviceId, record, stateFile: join(paths.dataDir, 'state', 'lockers.json'), logger })
      : undefined;
    if (checkinEnabled && face) {
      checkin = new CheckinService({
        room,
        face,
        record: (b) => {
          record(b);
          if (b.type === 'checkin.admitted' && checkin) atomicWriteFileSync(admittedFile, JSON.stringify(checkin.admissions()), 0o600);
          if (b.type === 'checkin.admitted') void lockers?.admitted(b.data);
          if (b.type === 'checkin.rejected' && b.data.outcome === 'already_checked_in' && b.data.sessionId && b.data.expertRef)
            void lockers?.cardOut({ sessionId: b.data.sessionId, expertRef: b.data.expertRef });
          publishApplianceState();
        },
        admitted,
        context: () => ({ desired: desired.get(), roomId: config.roomId, gateId: gateCfg!.deviceId, timezone: config.timezone }),
        gateId: gateCfg!.deviceId,
        faceSource: { deviceId: faceCfg!.deviceId, kind: config.checkin.faceSource },
        gateOpenMs: config.checkin.gateOpenMs,
        faceCaptureTimeoutMs: config.checkin.faceCaptureTimeoutMs,
        logger,
        onGateCommand: (_id, ms) => latency.add(ms),
        repeatTapWindowMs: config.checkin.repeatTapWindowMs,
      });
      const c = checkin;
      onStop('checkin', 'check-in', () => c.close());
    }

    room.on('deviceEvent', (deviceId, kind, ev) => {
      const e = ev.event;
      if (kind === 'idreader' && checkin) {
        if (e.type === 'card.read') checkin.cardRead(e.card as IdCard);
        else if (e.type === 'card.removed') checkin.cardRemoved();
        else if (e.type === 'reader.error') log.warn('reader error', { deviceId, code: e.code });
      }
      if (e.type === 'alarm.forced_door' || e.type === 'alarm.held_open') {
        record({
          type: 'alarm.raised',
          data: {
            alarm: e.type === 'alarm.forced_door' ? 'door.forced' : 'door.held_open',
            severity: 'critical',
            source: deviceId,
            message: e.type === 'alarm.forced_door' ? 'door opened while the gate was closed' : `door held open ${e.openForMs} ms`,
          },
        });
      }
    });

    room.on('applianceRequest', (req) => void handleApplianceRequest(req));
    const handleApplianceRequest = async (req: RequestEnvelope): Promise<void> => {
      const reply = (r: ReturnType<typeof okResponse>): void => room.publish(roomTopics.applianceResponse, r);
      const schema = (ApplianceCommands as Record<string, (typeof ApplianceCommands)[keyof typeof ApplianceCommands]>)[req.command];
      if (!schema) return reply(errorResponse(req.transaction, 'bad_request', `unknown command ${req.command}`));
      const p = validate(schema, req.params);
      if (!p.ok) {
        log.warn('appliance request rejected', { command: req.command, reason: p.reason });
        return reply(errorResponse(req.transaction, 'bad_request', p.reason));
      }
      if (req.command === 'status') return reply(okResponse(req.transaction, status()));
      if (req.command === 'locker.release') {
        if (!lockers) return reply(errorResponse(req.transaction, 'unavailable', 'no locker configured'));
        const { checkinId, slot, staffId } = p.value as { checkinId?: string; slot?: number; staffId: string };
        const r = await lockers.releaseByStaff({ checkinId, slot }, staffId);
        return reply(r.ok ? okResponse(req.transaction, { released: true, slot: r.slot, checkinId: r.checkinId }) : errorResponse(req.transaction, 'conflict', r.reason));
      }
      if (req.command === 'checkin.override') {
        if (!checkin) return reply(errorResponse(req.transaction, 'unavailable', 'check-in is disabled'));
        const { checkinId, staffId, reason } = p.value as { checkinId: string; staffId: string; reason: string };
        const r = await checkin.override(checkinId, { staffId, reason });
        return reply(r.ok ? okResponse(req.transaction, { admitted: true, checkinId }) : errorResponse(req.transaction, 'conflict', r.reason));
      }
    };

    const status = () => ({
      applianceId: config.applianceId,
      roomId: config.roomId,
      desiredVersion: desired.get()?.version ?? null,
      cloudConnected: cloud?.connected ?? false,
      outboxPending: outbox.pendingCount,
      telemetryPending: telemetry.pendingCount,
      door: checkin?.snapshot() ?? null,
      lockers: lockers ? lockers.assignments() : null,
      recording: recording
        ? { state: recording.recorder.health().state, activeSession: recording.activeSession, pendingHandovers: recording.pendingHandovers(), alarms: recording.recorder.health().alarms }
        : null,
      devices: room.deviceStates().map((s) => ({ deviceId: s.deviceId, kind: s.kind, online: s.online, driver: s.driver })),
    });

    // Telemetry: device health and appliance metrics, batched, store-and-forward.
    const sources: TelemetrySource[] = [
      {
        sample: (ts) =>
          ports.flatMap(({ deviceId, port }) => {
            const h = port.health();
            return [
              { ts, metric: 'device.online', value: h.present ? 1 : 0, device: deviceId },
              { ts, metric: 'device.errors', value: h.errors, device: deviceId },
            ];
          }),
      },
      {
        sample: (ts) => {
          const mem = process.memoryUsage();
          const p95 = latency.percentile(95);
          return [
            { ts, metric: 'appliance.outbox.pending', value: outbox.pendingCount },
            { ts, metric: 'appliance.room.rejected_messages', value: room.rejected },
            { ts, metric: 'appliance.rss_bytes', value: mem.rss },
            { ts, metric: 'appliance.cloud.connected', value: cloud?.connected ? 1 : 0 },
            ...(p95 !== undefined ? [{ ts, metric: 'checkin.latency.p95_ms', value: p95 }] : []),
            ...(checkin ? [{ ts, metric: 'checkin.repeat_taps', value: checkin.repeatTaps }] : []),
          ];
        },
      },
      { sample: (ts) => recording?.telemetry(ts) ?? [] },
    ];
    const telemetryTimer = setInterval(() => {
      const batch = collectBatch(config.applianceId, sources);
      if (batch) {
        telemetry.add(batch);
        cloud?.flush();
      }
    }, opts.telemetryIntervalMs ?? 60_000);
    telemetryTimer.unref();
    onStop('intake', 'telemetry', () => clearInterval(telemetryTimer));

    // HTTP: staff actions (bearer token) and, when enabled, the sim API.
    const api = new HttpApi(secrets.staffToken, logger.child({ part: 'http' }));
    api.route('GET', '/health', async () => ({ body: { ok: true, applianceId: config.applianceId, roomId: config.roomId } }), { public: true });
    api.route('GET', '/status', async () => ({ body: status() }));
    api.route('POST', '/checkins/:checkinId/override', async (req) => {
      if (!checkin) throw new HttpError(503, 'unavailable', 'check-in is disabled');
      const body = validate(StaffOverride, req.json());
      if (!body.ok) throw new HttpError(400, 'bad_request', body.reason);
      const r = await checkin.override(req.params.checkinId!, body.value);
      if (!r.ok) throw new HttpError(409, 'conflict', r.reason);
      return { body: { admitted: true, event: r.body } };
    });
    registerFootageApi(api, { recording, dataDir: paths.dataDir, logger });
    if (config.http.simApi) registerSimApi(api, sims);
    onStop('intake', 'kiosk', (await startKiosk({ api, config, desired, outbox, room, checkin, record, logger })).stop);
    const httpPort = await api.listen(config.http.host, config.http.port);
    onStop('intake', 'http', () => api.close());

    // Node-RED last: its flows see a room that is already running; it stops with the intake.
    let nodeRed: RoomNodeRed | undefined;
    if (config.nodeRed.enabled) {
      const n = await startRoomNodeRed({ config, paths, brokerUrl: broker.url, password: secrets.room.nodered, logger });
      onStop('intake', 'node-red', () => n.stop());
      nodeRed = n;
    }

    publishApplianceState();
    const httpHost = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
    log.info('appliance ready', { devices: config.devices.length, checkin: checkinEnabled, cloud: !!cloud });

    let stopped = false;
    return {
      httpUrl: `http://${httpHost}:${httpPort}`,
      brokerUrl: broker.url,
      get brokerPid() {
        return broker.pid;
      },
      secrets,
      sims,
      checkin,
      outbox,
      desired,
      cloud,
      room,
      latency,
      recording,
      nodeRed,
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopAll();
        log.info('appliance stopped');
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
