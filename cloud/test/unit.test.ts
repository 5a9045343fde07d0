import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mayPublish, maySubscribe } from '../src/mqtt/broker-acl';
import { hashPassword, verifyPassword } from '../src/mqtt/credentials';
import { ConfigError, loadConfig } from '../src/config/config';
import { identityPolicy } from '../src/sessions/sealing';
import type { Caller } from '../src/auth/caller';

describe('broker ACL', () => {
  const box = { kind: 'appliance', applianceId: 'box-1' } as const;
  it('lets an appliance publish only its own reported/events/telemetry', () => {
    for (const c of ['reported', 'events', 'telemetry']) expect(mayPublish(box, `evalroom/v1/appliances/box-1/${c}`)).toBe(true);
    expect(mayPublish(box, 'evalroom/v1/appliances/box-1/desired')).toBe(false);
    expect(mayPublish(box, 'evalroom/v1/appliances/box-1/acks')).toBe(false);
    expect(mayPublish(box, 'evalroom/v1/appliances/box-2/events')).toBe(false);
    expect(mayPublish(box, 'room/appliance/state')).toBe(false);
    expect(mayPublish({ kind: 'service' }, 'evalroom/v1/appliances/box-2/desired')).toBe(true);
  });
  it('lets an appliance subscribe only to its own desired/acks, without wildcards', () => {
    expect(maySubscribe(box, 'evalroom/v1/appliances/box-1/desired')).toBe(true);
    expect(maySubscribe(box, 'evalroom/v1/appliances/box-1/acks')).toBe(true);
    expect(maySubscribe(box, 'evalroom/v1/appliances/box-1/events')).toBe(false);
    expect(maySubscribe(box, 'evalroom/v1/appliances/+/desired')).toBe(false);
    expect(maySubscribe(box, '#')).toBe(false);
    expect(maySubscribe(box, 'evalroom/v1/appliances/box-2/acks')).toBe(false);
  });
});

describe('appliance credentials', () => {
  it('verifies the right password only', async () => {
    const h = await hashPassword('secret-1');
    expect(h).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('secret-1', h)).toBe(true);
    expect(await verifyPassword('secret-2', h)).toBe(false);
    expect(await verifyPassword('secret-1', 'plain')).toBe(false);
  });
});

describe('environment', () => {
  it('rejects bad values with the variable name', () => {
    expect(() => loadConfig({ PORT: 'eighty', EVALROOM_CLOUD_DATA_DIR: tmpdir() })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty', EVALROOM_CLOUD_DATA_DIR: tmpdir() })).toThrow(/PORT/);
    expect(() => loadConfig({ MQTT_URL: 'localhost:1883', EVALROOM_CLOUD_DATA_DIR: tmpdir() })).toThrow(/MQTT_URL/);
  });
  it('generates the admin token and secret key once, mode 0600, and reuses them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'evalroom-cfg-'));
    try {
      const a = loadConfig({ EVALROOM_CLOUD_DATA_DIR: dir, PORT: '0' });
      expect(a.adminTokenFile).toBe(join(dir, 'admin-token'));
      expect((await stat(join(dir, 'admin-token'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'secret-key'))).mode & 0o777).toBe(0o600);
      expect((await readFile(join(dir, 'admin-token'), 'utf8')).trim()).toBe(a.adminToken);
      const b = loadConfig({ EVALROOM_CLOUD_DATA_DIR: dir });
      expect(b.adminToken).toBe(a.adminToken);
      expect(b.secretKey.equals(a.secretKey)).toBe(true);
      expect(b.port).toBe(8080);
      const c = loadConfig({ EVALROOM_CLOUD_DATA_DIR: dir, EVALROOM_ADMIN_TOKEN: 'given-token-0123456789', EVALROOM_SECRET_KEY: 'ab'.repeat(32) });
      expect(c.adminToken).toBe('given-token-0123456789');
      expect(c.adminTokenFile).toBeUndefined();
      expect(c.secretKey).toEqual(Buffer.alloc(32, 0xab));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('sealing policy', () => {
  const s = { startsAt: new Date('2026-11-21T09:00:00Z'), supervisingDepartment: 'd1' };
  const before = new Date('2026-11-21T08:59:59Z');
  const after = new Date('2026-11-21T09:00:00Z');
  const mine = { venueId: 'v1', regionCode: '210102' };
  const other = { venueId: 'v2', regionCode: '220101' };
  const c = (role: Caller['role'], extra: Partial<Caller> = {}): Caller => ({ tokenId: 't', role, venueIds: [], ...extra });

  it('unseals identities at the start exactly, for admin and the supervising department', () => {
    expect(identityPolicy(c('admin'), s, before).identityVisible(mine, true)).toBe(false);
    expect(identityPolicy(c('admin'), s, after).identityVisible(mine, false)).toBe(true);
    expect(identityPolicy(c('supervisor', { department: 'd1' }), s, after).identityVisible(other, false)).toBe(true);
    expect(identityPolicy(c('supervisor', { department: 'd2' }), s, after).identityVisible(other, true)).toBe(false);
  });
  it('venue staff: own rooms only, identity only once admitted', () => {
    const p = identityPolicy(c('venue_staff', { venueIds: ['v1'] }), s, after);
    expect(p.roomVisible(other)).toBe(false);
    expect(p.identityVisible(mine, false)).toBe(false);
    expect(p.identityVisible(mine, true)).toBe(true);
    expect(p.identityVisible(other, true)).toBe(false);
    expect(identityPolicy(c('venue_staff', { venueIds: ['v1'] }), s, before).entryVisible(mine, false)).toBe(false);
  });
  it('central ops never see identities; jurisdiction limits rooms', () => {
    const p = identityPolicy(c('central_ops', { jurisdiction: '21' }), s, after);
    expect(p.roomVisible(mine)).toBe(true);
    expect(p.roomVisible(other)).toBe(false);
    expect(p.identityVisible(mine, true)).toBe(false);
  });
});
