import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CreateSessionBody, EdgeConfig, isValidResidentIdNumber } from '@evalroom/contracts';
import { demoEdgeConfig, demoIdNumbers, demoSession, makeResidentIdNumber } from '../src/demo';
import { writeFileAtomic } from '../src/enroll';
import { isPortFree, preferPort } from '../src/ports';

describe('demo data for `evalroom up`', () => {
  it('makes ID numbers that pass the GB 11643 check digit', () => {
    for (let i = 0; i < 50; i++) expect(isValidResidentIdNumber(makeResidentIdNumber('210102', '19800101', i))).toBe(true);
    const ids = demoIdNumbers();
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('builds a session the cloud API accepts, with check-in open now', () => {
    const now = new Date('2026-11-21T01:00:00Z');
    const body = CreateSessionBody.parse(demoSession(now, demoIdNumbers()));
    expect(Date.parse(body.checkInOpensAt!)).toBeLessThan(now.getTime());
    expect(Date.parse(body.checkInClosesAt!)).toBeGreaterThan(now.getTime());
    expect(body.assignments[0]!.experts).toHaveLength(4);
  });

  it('builds a room config the edge accepts', () => {
    const config = EdgeConfig.parse({ ...demoEdgeConfig({ http: 0, broker: 0 }), applianceId: 'a', roomId: 'r', dataDir: '/tmp/x' });
    expect(config.http.simApi).toBe(true);
    expect(config.devices.map((d) => d.kind)).toEqual(['idreader', 'gate', 'camera', 'tablet', 'locker']);
  });
});

describe('files and ports', () => {
  it('writes files atomically with the requested mode', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'evalroom-prov-'));
    const file = path.join(dir, 'secrets', 'cloud.json');
    await writeFileAtomic(file, '{"a":1}', 0o600);
    await writeFileAtomic(file, '{"a":2}', 0o600);
    expect(await readFile(file, 'utf8')).toBe('{"a":2}');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('falls back to an ephemeral port when the preferred one is taken', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const busy: number[] = [];
    expect(await isPortFree(port)).toBe(false);
    expect(await preferPort(port, (p) => busy.push(p))).toBe(0);
    expect(busy).toEqual([port]);
    await new Promise((r) => server.close(r));
    expect(await preferPort(port, (p) => busy.push(p))).toBe(port);
  });
});
