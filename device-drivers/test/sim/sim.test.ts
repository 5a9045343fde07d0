import { readFileSync } from 'node:fs';
import { GATE_MAX_OPEN_MS, IdCard, residentIdCheckDigit } from '@evalroom/contracts';
import { SimCamera, SimGate, SimIdReader, SimLocker, SimTablet, createDevicePort, createSimDevice, probeImage, testPatternPng } from '@evalroom/device-drivers';

const FACE = '/work/shared/faces/obama/obama_a.jpg';
const hasFaces = (() => {
  try {
    readFileSync(FACE);
    return true;
  } catch {
    return false;
  }
})();

const card = (): IdCard => {
  const first17 = '11010119800101123';
  return IdCard.parse({
    cardType: 'resident',
    name: '李四',
    sex: 'female',
    birthDate: '19800101',
    idNumber: first17 + residentIdCheckDigit(first17),
    validFrom: '20200101',
    validTo: '20400101',
    photo: { format: 'jpeg', data: Buffer.from('photo').toString('base64') },
  });
};

describe('simulated devices', () => {
  it('gate: starts closed (fail-secure), closes itself after the asked time, caps the time, emits door events', async () => {
    const gate = new SimGate();
    await gate.start();
    expect(gate.isOpen()).toBe(false);
    const seen: string[] = [];
    gate.on('opened', () => seen.push('opened'));
    gate.on('closed', () => seen.push('closed'));
    gate.on('forcedDoor', () => seen.push('forced'));
    await gate.open(60);
    expect(gate.isOpen()).toBe(true);
    await new Promise((r) => setTimeout(r, 120));
    expect(gate.isOpen()).toBe(false);
    expect(seen).toEqual(['opened', 'closed']);
    // The door opening while the gate is closed is a forced door.
    gate.setDoor(true);
    expect(seen).toContain('forced');
    gate.setDoor(false);
    await gate.open(GATE_MAX_OPEN_MS * 10);
    expect(gate.history().find((h) => h.event === 'opened' && h.durationMs === GATE_MAX_OPEN_MS)).toBeDefined();
    await gate.stop();
    expect(gate.isOpen()).toBe(false);
  });

  it('gate: a walk-through opens and closes the door sensor while the gate is open', async () => {
    const gate = new SimGate({ walkThroughMs: 10, doorOpenMs: 20 });
    await gate.start();
    const seen: string[] = [];
    gate.on('doorOpened', () => seen.push('doorOpened'));
    gate.on('doorClosed', () => seen.push('doorClosed'));
    gate.on('forcedDoor', () => seen.push('forced'));
    await gate.open(5000);
    // Poll rather than sleep a fixed time: on a loaded machine timers run late.
    for (let i = 0; i < 200 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual(['doorOpened', 'doorClosed']);
    expect(gate.isOpen()).toBe(true);
    await gate.stop();
  });

  it('id reader: insert emits the card, remove emits removed once', async () => {
    const reader = new SimIdReader();
    await reader.start();
    const got: string[] = [];
    reader.on('card', (c) => got.push(c.name));
    reader.on('removed', () => got.push('removed'));
    reader.insertCard(card());
    expect(reader.removeCard()).toBe(true);
    expect(reader.removeCard()).toBe(false);
    expect(got).toEqual(['李四', 'removed']);
  });

  it('camera: queued frame first, then configured stills, then a PNG test pattern; refuses non-images', async () => {
    const cam = new SimCamera(hasFaces ? { stillImages: [FACE] } : {});
    await cam.start();
    const png = testPatternPng(64, 48);
    cam.setNextFrame(png);
    const first = await cam.capture();
    expect(first).toMatchObject({ format: 'png', width: 64, height: 48 });
    const second = await cam.capture();
    if (hasFaces) expect(second.format).toBe('jpeg');
    expect(second.width).toBeGreaterThan(0);
    expect(() => cam.setNextFrame(Buffer.from('not an image'))).toThrow(/JPEG or PNG/);
    cam.loseStream('cable');
    await expect(cam.capture()).rejects.toThrow(/stream lost/);
    expect(cam.streamSource()).toEqual({ type: 'test', pattern: 'smpte' });
    expect(new SimCamera({ rtspUrl: 'rtsp://10.0.0.5/live' }).streamSource()).toEqual({ type: 'rtsp', url: 'rtsp://10.0.0.5/live' });
  });

  it('tablet: face capture returns the queued face; signature is a real PNG with strokes', async () => {
    const tab = new SimTablet();
    await tab.start();
    tab.setNextFace(testPatternPng(10, 10));
    expect((await tab.captureFace(1000)).width).toBe(10);
    await expect(tab.captureFace(1000)).rejects.toThrow(/no face/);
    const sig = await tab.captureSignature('请签名', 5000);
    expect(probeImage(sig.image)).toEqual({ format: 'png', width: 400, height: 150 });
    expect(sig.strokes.length).toBeGreaterThan(0);
  });

  it('locker: assigns distinct slots, the same check-in keeps its slot, a full bank refuses', async () => {
    const locker = new SimLocker({ slots: 2 });
    await locker.start();
    const a = await locker.assign('c1');
    expect(await locker.assign('c1')).toBe(a);
    const b = await locker.assign('c2');
    expect(b).not.toBe(a);
    await expect(locker.assign('c3')).rejects.toThrow(/no free/);
    await locker.release(a);
    expect(await locker.assign('c3')).toBe(a);
    await expect(locker.open(9)).rejects.toThrow(/no slot/);
  });

  it('factory: builds simulators from config, and names the missing real driver clearly', async () => {
    expect(createSimDevice({ deviceId: 'g', kind: 'gate', driver: 'simulated', options: {} })).toBeInstanceOf(SimGate);
    const port = await createDevicePort({ deviceId: 'l', kind: 'locker', driver: 'simulated', options: { slots: 3 } });
    expect(port.kind).toBe('locker');
    let realAvailable = true;
    try {
      require.resolve('../../src/real');
    } catch {
      realAvailable = false;
    }
    if (!realAvailable) {
      await expect(createDevicePort({ deviceId: 'r', kind: 'gate', driver: 'real', options: {} })).rejects.toThrow(/driver "real" is not available/);
    }
  });
});
