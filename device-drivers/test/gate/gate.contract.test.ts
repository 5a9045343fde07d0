import { GATE_MAX_OPEN_MS } from '@evalroom/contracts';
import { GpioGate, MemoryGpioChip } from '../../src/gate';
import { SimGate } from '../../src/sim/gate';
import { describeGateContract, HELD_OPEN_MS } from '../contract/gate.contract';

describeGateContract('simulated (SimGate)', async () => {
  const port = new SimGate({ heldOpenAlarmMs: HELD_OPEN_MS });
  return {
    port,
    primeRelayEnergized: async () => {},
    relayEnergized: async () => port.isOpen(),
    setDoor: async (open) => port.setDoor(open),
    dispose: async () => {},
  };
});

for (const edges of [true, false]) {
  describeGateContract(`real GpioGate on injected GPIO lines (${edges ? 'edge interrupts' : 'polled sensor'})`, async () => {
    const chip = new MemoryGpioChip(edges);
    const port = new GpioGate({ chip, relayPin: 17, doorSensorPin: 27, heldOpenMs: HELD_OPEN_MS, forcedGraceMs: 0, sensorPollMs: 10, exitHook: false });
    return {
      port,
      primeRelayEnergized: async () => chip.set(17, 1),
      relayEnergized: async () => chip.level(17) === 1,
      setDoor: async (open) => chip.set(27, open ? 1 : 0),
      dispose: async () => {},
    };
  });
}

describe('GpioGate specifics', () => {
  afterEach(() => jest.useRealTimers());

  it(`caps an open command at GATE_MAX_OPEN_MS (${GATE_MAX_OPEN_MS} ms)`, async () => {
    jest.useFakeTimers();
    const chip = new MemoryGpioChip();
    const gate = new GpioGate({ chip, relayPin: 5, exitHook: false });
    await gate.start();
    await gate.open(10 * 60_000);
    expect(chip.level(5)).toBe(1);
    await jest.advanceTimersByTimeAsync(GATE_MAX_OPEN_MS - 1);
    expect(chip.level(5)).toBe(1);
    await jest.advanceTimersByTimeAsync(2);
    expect(chip.level(5)).toBe(0);
    expect(gate.isOpen()).toBe(false);
    await gate.stop();
  });

  it('treats a door opening within the grace period after closing as the walk-through, not forced', async () => {
    jest.useFakeTimers();
    const chip = new MemoryGpioChip();
    const gate = new GpioGate({ chip, relayPin: 5, doorSensorPin: 6, forcedGraceMs: 1000, heldOpenMs: 60_000, exitHook: false });
    let forced = 0;
    gate.on('forcedDoor', () => forced++);
    await gate.start();
    await gate.open(500);
    await jest.advanceTimersByTimeAsync(600);
    chip.set(6, 1);
    expect(forced).toBe(0);
    chip.set(6, 0);
    await jest.advanceTimersByTimeAsync(2000);
    chip.set(6, 1);
    expect(forced).toBe(1);
    await gate.stop();
  });

  it('installs an exit hook that forces the relay closed, and removes it on stop', async () => {
    const chip = new MemoryGpioChip();
    const before = process.listenerCount('exit');
    const gate = new GpioGate({ chip, relayPin: 5 });
    await gate.start();
    expect(process.listenerCount('exit')).toBe(before + 1);
    await gate.open(5000);
    process.listeners('exit').at(-1)!.call(process, 1 as never);
    expect(chip.level(5)).toBe(0);
    await gate.stop();
    expect(process.listenerCount('exit')).toBe(before);
  });
});
