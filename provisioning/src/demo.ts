import { randomInt } from 'node:crypto';
import { residentIdCheckDigit, type CreateSessionBody, type EdgeConfigInput } from '@evalroom/contracts';

/** The demo room `evalroom up` runs: one venue, one room, its devices, and a session today. */
export const DEMO = {
  tradingCenter: { id: 'demo-center', name: '演示公共资源交易中心', level: 'city', regionCode: '2101' },
  venue: { id: 'demo-venue', tradingCenterId: 'demo-center', name: '演示评标场所' },
  room: {
    id: 'demo-room-1',
    venueId: 'demo-venue',
    name: '第一评标室',
    shared: true,
    workstations: ['A1', 'A2', 'A3', 'A4', 'A5'].map((code) => ({ code, shared: true })),
  },
  applianceId: 'demo-room-1-box',
} as const;

/** Experts of the demo session; their faces are in ../shared/faces/<folder>. */
export const DEMO_EXPERTS = [
  { folder: 'obama', name: 'Barack Obama', workstation: 'A1', chip: 'obama_a.jpg', live: 'obama_b.jpg' },
  { folder: 'kit_harington', name: 'Kit Harington', workstation: 'A2', chip: 'kit_a.jpg', live: 'kit_b.jpg' },
  { folder: 'rose_leslie', name: 'Rose Leslie', workstation: 'A3', chip: 'rose_a.jpg', live: 'rose_b.jpg' },
  { folder: 'alex_lacamoire', name: 'Alex Lacamoire', workstation: 'A4', chip: 'alex_a.png', live: 'alex_b.jpg' },
] as const;

/** A syntactically valid resident ID number (GB 11643 check digit) for demo and test people. */
export function makeResidentIdNumber(region = '210102', birth = '19700101', sequence = randomInt(0, 1000)): string {
  const first17 = `${region}${birth}${String(sequence).padStart(3, '0')}`;
  return first17 + residentIdCheckDigit(first17);
}

export function demoIdNumbers(): string[] {
  return DEMO_EXPERTS.map((_, i) => makeResidentIdNumber('210102', `1970010${i + 1}`, 100 + i));
}

/** Today's session in the demo room: check-in open now, evaluation in half an hour. */
export function demoSession(now: Date, idNumbers: string[]): CreateSessionBody {
  const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000).toISOString();
  return {
    projectCode: `DEMO-${now.toISOString().slice(0, 10).replace(/-/g, '')}`,
    projectName: '演示项目：市政道路改造工程施工',
    lots: [{ lotId: 'lot-1', code: 'BD01', name: '第一标段' }],
    mainVenueId: DEMO.venue.id,
    startsAt: at(30),
    endsAt: at(6 * 60),
    checkInOpensAt: at(-15),
    checkInClosesAt: at(5 * 60),
    assignments: [
      {
        roomId: DEMO.room.id,
        experts: DEMO_EXPERTS.map((e, i) => ({ name: e.name, idNumber: idNumbers[i]!, workstation: e.workstation, role: 'expert' as const })),
      },
    ],
  };
}

/** The simulated room's devices and ports. */
export function demoEdgeConfig(ports: { http: number; broker: number }): Omit<EdgeConfigInput, 'applianceId' | 'roomId' | 'dataDir' | 'cloud'> {
  return {
    broker: { host: '127.0.0.1', port: ports.broker },
    http: { host: '127.0.0.1', port: ports.http, simApi: true },
    devices: [
      { deviceId: 'idreader-1', kind: 'idreader', driver: 'simulated' },
      { deviceId: 'gate-1', kind: 'gate', driver: 'simulated' },
      { deviceId: 'camera-door', kind: 'camera', driver: 'simulated' },
      { deviceId: 'tablet-1', kind: 'tablet', driver: 'simulated' },
      { deviceId: 'locker-1', kind: 'locker', driver: 'simulated' },
    ],
  };
}
