import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PiiCipher } from '../../src/crypto/pii-cipher';
import { PlatformRepository } from '../../src/platform/platform.repository';
import { backoffMs, signPayload, verifySignature } from '../../src/platform/signature';
import { WebhooksService } from '../../src/platform/webhooks.service';
import { createTestDb, FixedClock, TestDb } from '../rules/testdb';

let t: TestDb;
let server: Server;
let url: string;
const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
let failuresLeft = 1;

beforeAll(async () => {
  t = await createTestDb();
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      if (failuresLeft > 0 && req.headers['x-evalroom-event'] === 'evaluation.result') {
        failuresLeft -= 1;
        res.writeHead(500).end('try later');
      } else res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await t?.drop();
});

describe('signatures and backoff', () => {
  it('signs t.body with HMAC-SHA256 and rejects tampering or stale stamps', () => {
    const h = signPayload('s3cret', '{"a":1}', 1_800_000_000);
    expect(verifySignature('s3cret', '{"a":1}', h, 1_800_000_010)).toBe(true);
    expect(verifySignature('s3cret', '{"a":2}', h, 1_800_000_010)).toBe(false);
    expect(verifySignature('other', '{"a":1}', h, 1_800_000_010)).toBe(false);
    expect(verifySignature('s3cret', '{"a":1}', h, 1_800_001_000)).toBe(false);
    expect([1, 2, 3, 4, 10].map((a) => backoffMs(a, 1000, 5000))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });
});

describe('webhook deliveries (PostgreSQL + a local receiver)', () => {
  it('delivers signed events, retries with backoff, logs every attempt, gives up after max attempts', async () => {
    const clock = new FixedClock(new Date('2026-11-21T08:00:00Z'));
    const svc = new WebhooksService(new PlatformRepository(t.db), new PiiCipher({ secretKey: randomBytes(32) }), clock, { baseBackoffMs: 1000, maxAttempts: 3, pollMs: 0, timeoutMs: 2000, usageEveryMs: 3_600_000 });
    const good = await svc.subscribe(url, ['evaluation.result', 'venue.usage']);
    const dead = await svc.subscribe('http://127.0.0.1:9/nowhere', ['evaluation.result']);
    expect(await svc.emit('evaluation.result', { projectCode: 'P-1', lots: [{ lotId: 'L1', finished: true }] })).toBe(2);

    const r1 = await svc.tick(); // result to both (good answers 500 once, dead refuses), plus the usage push
    expect(r1).toEqual({ delivered: 1, retried: 2, failed: 0 });
    expect(await svc.tick()).toEqual({ delivered: 0, retried: 0, failed: 0 }); // nothing due yet
    clock.t = new Date(clock.t.getTime() + 1000);
    expect(await svc.tick()).toEqual({ delivered: 1, retried: 1, failed: 0 }); // good delivered, dead 2nd attempt
    clock.t = new Date(clock.t.getTime() + 1000); // dead's next attempt is 2 s after the 2nd
    expect((await svc.tick()).failed).toBe(0);
    clock.t = new Date(clock.t.getTime() + 1000);
    expect(await svc.tick()).toEqual({ delivered: 0, retried: 0, failed: 1 });

    const log = await svc.deliveries();
    const bySub = (id: string) => log.filter((d) => d.subscriptionId === id);
    expect(bySub(dead.id)).toMatchObject([{ event: 'evaluation.result', status: 'failed', attempts: 3 }]);
    expect(bySub(dead.id)[0]!.lastError).toBeTruthy();
    const goodResult = bySub(good.id).find((d) => d.event === 'evaluation.result')!;
    expect(goodResult).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 204 });

    // what the receiver got: signed with the subscription's secret, the same delivery id on retry
    const results = received.filter((r) => r.headers['x-evalroom-event'] === 'evaluation.result');
    expect(results).toHaveLength(2);
    expect(results[0]!.headers['x-evalroom-delivery']).toBe(results[1]!.headers['x-evalroom-delivery']);
    for (const r of received) {
      const sig = String(r.headers['x-evalroom-signature']);
      const t = Number(/t=(\d+)/.exec(sig)![1]);
      expect(verifySignature(good.secret, r.body, sig, t)).toBe(true);
      expect(verifySignature(dead.secret, r.body, sig, t)).toBe(false);
    }
    expect(JSON.parse(results[1]!.body)).toMatchObject({ event: 'evaluation.result', data: { projectCode: 'P-1' } });
    expect(received.some((r) => r.headers['x-evalroom-event'] === 'venue.usage')).toBe(true);
    // the secret is sealed at rest
    const raw = await t.db.query<{ secret: string }>('SELECT secret FROM webhook_subscriptions WHERE id = $1', [good.id]);
    expect(raw.rows[0]!.secret).not.toContain(good.secret);
  }, 30_000);
});
