import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import type { CloudConfig } from '../../src/config/config';
import { startCloud, type RunningCloud } from '../../src/server';
import { createTestDatabase } from './pg';

/** Collects log lines so tests can assert logged reasons. */
export class MemoryLogger implements LoggerService {
  readonly lines: string[] = [];
  log(m: unknown) { this.lines.push(`log ${String(m)}`); }
  warn(m: unknown) { this.lines.push(`warn ${String(m)}`); }
  error(m: unknown) { this.lines.push(`error ${String(m)}`); }
  debug() {}
  verbose() {}
  has(re: RegExp): boolean { return this.lines.some((l) => re.test(l)); }
}

export interface TestCloud extends RunningCloud {
  adminToken: string;
  databaseUrl: string;
  logger: MemoryLogger;
  config: CloudConfig;
  api<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export async function startTestCloud(opts: { mqttUrl?: string } = {}): Promise<TestCloud> {
  const tdb = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'evalroom-cloud-'));
  const adminToken = randomBytes(24).toString('base64url');
  const config: CloudConfig = {
    port: 0,
    host: '127.0.0.1',
    dataDir,
    databaseUrl: tdb.url,
    mqttUrl: opts.mqttUrl,
    embeddedMqttPort: 0,
    adminToken,
    secretKey: randomBytes(32),
    telemetryRetentionDays: 30,
    migrationsDir: resolve(__dirname, '..', '..', 'migrations'),
  };
  const logger = new MemoryLogger();
  const cloud = await startCloud(config, { logger });
  const api = async <T>(method: string, path: string, body?: unknown, token = adminToken) => {
    const res = await fetch(cloud.httpUrl + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    ...cloud,
    adminToken,
    databaseUrl: tdb.url,
    logger,
    config,
    api,
    stop: async () => {
      await cloud.close();
      await tdb.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A trading center, two venues in different cities, one room each. Ids are unique per call. */
export async function seedDirectory(cloud: TestCloud): Promise<{ venueA: string; venueB: string; roomA: string; roomB: string }> {
  const p = randomBytes(3).toString('hex');
  const ok = (r: { status: number; body: unknown }) => {
    if (r.status !== 201) throw new Error(`seed failed: ${r.status} ${JSON.stringify(r.body)}`);
  };
  ok(await cloud.api('POST', '/v1/trading-centers', { id: `tcA-${p}`, name: 'Shenyang', level: 'city', regionCode: '2101' }));
  ok(await cloud.api('POST', '/v1/trading-centers', { id: `tcB-${p}`, name: 'Dalian', level: 'city', regionCode: '2102' }));
  ok(await cloud.api('POST', '/v1/venues', { id: `vA-${p}`, tradingCenterId: `tcA-${p}`, name: 'Venue A' }));
  ok(await cloud.api('POST', '/v1/venues', { id: `vB-${p}`, tradingCenterId: `tcB-${p}`, name: 'Venue B' }));
  ok(await cloud.api('POST', '/v1/rooms', { id: `rA-${p}`, venueId: `vA-${p}`, name: 'Room A', workstations: [{ code: 'A1' }, { code: 'A2' }] }));
  ok(await cloud.api('POST', '/v1/rooms', { id: `rB-${p}`, venueId: `vB-${p}`, name: 'Room B', workstations: [{ code: 'B1' }] }));
  return { venueA: `vA-${p}`, venueB: `vB-${p}`, roomA: `rA-${p}`, roomB: `rB-${p}` };
}

/** ID numbers with a valid shape (the check digit is not verified by the cloud). */
export function idNumber(n: number): string {
  return `21010219800101${String(n).padStart(3, '0')}X`;
}

export function sessionBody(d: { venueA: string; roomA: string; roomB?: string }, startsInMin: number, extra: Record<string, unknown> = {}) {
  const at = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
  return {
    projectCode: 'P-001',
    projectName: 'Road works',
    lots: [{ lotId: 'lot-1', code: 'BD01', name: 'Lot 1' }],
    mainVenueId: d.venueA,
    startsAt: at(startsInMin),
    endsAt: at(startsInMin + 240),
    checkInOpensAt: at(startsInMin - 60),
    checkInClosesAt: at(startsInMin + 30),
    assignments: [
      { roomId: d.roomA, experts: [{ name: '张三', idNumber: idNumber(1), workstation: 'A1' }, { name: '李四', idNumber: idNumber(2), workstation: 'A2' }] },
      ...(d.roomB ? [{ roomId: d.roomB, experts: [{ name: '王五', idNumber: idNumber(3), workstation: 'B1' }] }] : []),
    ],
    ...extra,
  };
}
