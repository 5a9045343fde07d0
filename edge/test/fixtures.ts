import { randomBytes } from 'node:crypto';
import {
  idNumberHash,
  okResponse,
  errorResponse,
  residentIdCheckDigit,
  type DesiredState,
  type FaceCheck,
  type FaceVerifier,
  type IdCard,
  type ResponseEnvelope,
  type RoomSession,
} from '@evalroom/contracts';
import { runCommand, type AnyDevicePort } from '@evalroom/device-drivers';
import type { DeviceRequester } from '../src/devices/room-client';

export function residentId(first17: string): string {
  return first17 + residentIdCheckDigit(first17);
}

export function makeCard(idNumber: string, over: Partial<IdCard> = {}): IdCard {
  return {
    cardType: 'resident',
    name: '张三',
    sex: 'male',
    birthDate: '19800101',
    idNumber,
    validFrom: '20200101',
    validTo: '20400101',
    photo: { format: 'jpeg', data: Buffer.from(`chip-photo-of-${idNumber}`).toString('base64') },
    ...over,
  };
}

export function makeSession(over: Partial<RoomSession> & { idNumbers: string[] }, now = Date.now()): RoomSession {
  const key = over.idHashKey ?? randomBytes(16).toString('base64');
  const { idNumbers, ...rest } = over;
  return {
    sessionId: 'sess-1',
    projectCode: 'P-2026-001',
    projectName: 'Bridge works',
    lots: [],
    status: 'checking_in',
    startsAt: new Date(now + 3_600_000).toISOString(),
    endsAt: new Date(now + 8 * 3_600_000).toISOString(),
    checkInOpensAt: new Date(now - 3_600_000).toISOString(),
    checkInClosesAt: new Date(now + 3_600_000).toISOString(),
    idHashKey: key,
    roster: idNumbers.map((id, i) => ({ expertRef: `expert-${i + 1}`, idHash: idNumberHash(id, key), role: 'expert' as const, workstation: `W${i + 1}` })),
    ...rest,
  };
}

export function makeDesired(sessions: RoomSession[], version = 1, applianceId = 'app-1', roomId = 'room-1'): DesiredState {
  return { v: 1, applianceId, roomId, version, generatedAt: new Date().toISOString(), sessions };
}

/**
 * A deterministic face verifier for check-in tests: the decision is a function of the probe
 * bytes (the probe "is" the person whose chip photo has the same bytes after a prefix).
 */
export class ScriptedFaceVerifier implements FaceVerifier {
  calls = 0;
  /** When set, every verify returns this outcome. */
  force: FaceCheck['outcome'] | 'throw' | undefined;
  delayMs = 0;

  async verify(input: { probe: Buffer; reference: Buffer }): Promise<FaceCheck> {
    this.calls++;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.force === 'throw') throw new Error('engine crashed');
    const same = input.probe.toString().replace(/^live-/, '') === input.reference.toString().replace(/^chip-photo-of-/, '');
    const outcome = this.force ?? (same ? 'match' : 'mismatch');
    return {
      outcome,
      match: outcome === 'match',
      score: outcome === 'match' ? 0.8 : 0.1,
      threshold: 0.5,
      quality: outcome === 'quality_failed' ? ['too_dark'] : [],
      modelVersion: 'scripted-1',
      timingsMs: {},
    };
  }

  async close(): Promise<void> {}
}

/** Device requests served straight by port objects (simulators) in memory. */
export class InMemoryRequester implements DeviceRequester {
  readonly requests: Array<{ deviceId: string; command: string; params: Record<string, unknown> }> = [];
  /** Devices that never answer (timeout). */
  readonly silent = new Set<string>();

  constructor(private readonly ports: Record<string, AnyDevicePort>) {}

  async request(deviceId: string, command: string, params: Record<string, unknown>, timeoutMs: number): Promise<ResponseEnvelope> {
    this.requests.push({ deviceId, command, params });
    const tx = `tx-${this.requests.length}`;
    if (this.silent.has(deviceId)) {
      await new Promise((r) => setTimeout(r, Math.min(timeoutMs, 50)));
      return errorResponse(tx, 'timeout', 'no answer');
    }
    const port = this.ports[deviceId];
    if (!port) return errorResponse(tx, 'not_found', deviceId);
    try {
      return okResponse(tx, await runCommand(port, command, params, tx));
    } catch (err) {
      return errorResponse(tx, 'device_error', (err as Error).message);
    }
  }
}

/** Bytes the simulated camera accepts as a JPEG (a SOF0 header), tagged for ScriptedFaceVerifier. */
export function taggedJpeg(tag: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x10, 0x00, 0x10, 0x03]), Buffer.from(`|live-${tag}`)]);
}

/** Wraps a verifier so it reads the tag after '|' in the probe (see taggedJpeg). */
export function taggedVerifier(inner: ScriptedFaceVerifier): FaceVerifier {
  return {
    verify: ({ probe, reference }) => inner.verify({ probe: Buffer.from(probe.toString('latin1').split('|')[1] ?? ''), reference }),
    close: async () => {},
  };
}

export const TEST_MQTT_URL = process.env.EVALROOM_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
