import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const express = require('express') as () => { use: (...a: unknown[]) => unknown } & ((req: unknown, res: unknown) => void);

export async function startHttp(): Promise<{ app: ReturnType<typeof express>; server: Server; base: string; close(): Promise<void> }> {
  const app = express();
  const server = createServer(app as never);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { app, server, base, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export function checkinAdmitted(seq: number) {
  return {
    v: 1,
    eventId: randomUUID(),
    applianceId: 'appliance-1',
    seq,
    ts: new Date().toISOString(),
    type: 'checkin.admitted',
    data: {
      checkinId: `ci-${seq}`,
      sessionId: 'session-1',
      expertRef: 'expert-7',
      workstation: 'W3',
      arrivedAt: new Date().toISOString(),
      method: 'staff_override',
    },
  };
}
