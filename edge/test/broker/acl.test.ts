import { canPublish, canSubscribe } from '../../src/broker/acl';

describe('room broker ACL (deny by default)', () => {
  const dev = { username: 'gate-1', role: 'device' as const };
  const kiosk = { username: 'kiosk', role: 'kiosk' as const };
  const core = { username: 'appliance', role: 'appliance' as const };

  it('lets a device publish only its own state/event/response and subscribe only its request', () => {
    expect(canPublish(dev, 'room/dev/gate-1/state')).toBe(true);
    expect(canPublish(dev, 'room/dev/gate-1/event')).toBe(true);
    expect(canPublish(dev, 'room/dev/gate-1/response')).toBe(true);
    expect(canPublish(dev, 'room/dev/gate-1/request')).toBe(false);
    expect(canPublish(dev, 'room/dev/reader-1/event')).toBe(false);
    expect(canPublish(dev, 'room/appliance/event')).toBe(false);
    expect(canSubscribe(dev, 'room/dev/gate-1/request')).toBe(true);
    expect(canSubscribe(dev, 'room/dev/+/request')).toBe(false);
    expect(canSubscribe(dev, '#')).toBe(false);
  });

  it('limits kiosk and Node-RED to observing and to appliance requests', () => {
    expect(canSubscribe(kiosk, 'room/appliance/event')).toBe(true);
    expect(canSubscribe(kiosk, 'room/dev/+/state')).toBe(true);
    expect(canSubscribe(kiosk, 'room/dev/gate-1/event')).toBe(true);
    expect(canSubscribe(kiosk, 'room/dev/+/response')).toBe(false);
    expect(canSubscribe(kiosk, 'room/dev/#')).toBe(false);
    expect(canSubscribe(kiosk, 'room/appliance/request')).toBe(false);
    expect(canPublish(kiosk, 'room/appliance/request')).toBe(true);
    expect(canPublish(kiosk, 'room/dev/gate-1/request')).toBe(false);
  });

  it('confines the appliance core to room/', () => {
    expect(canPublish(core, 'room/dev/gate-1/request')).toBe(true);
    expect(canSubscribe(core, 'room/#')).toBe(true);
    expect(canSubscribe(core, '#')).toBe(false);
    expect(canPublish(core, '$SYS/x')).toBe(false);
  });
});
