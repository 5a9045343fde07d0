import { readFileSync, writeFileSync } from 'node:fs';
import { GpioGate, onoffChip } from '../../src/gate';
import { describeGateContract, HELD_OPEN_MS } from '../contract/gate.contract';

// Runs only inside the private mount namespace set up by gate.sysfs.test.ts, where /sys/class
// is a tmpfs with pre-created gpio17 (relay) and gpio27 (door sensor).
if (process.env.EVALROOM_FAKE_SYSFS !== '1') throw new Error('refusing to touch a real /sys: run through gate.sysfs.test.ts');

const value = (pin: number) => `/sys/class/gpio/gpio${pin}/value`;

describeGateContract('real GpioGate through onoff on a fake sysfs', async () => {
  writeFileSync(value(17), '0');
  writeFileSync(value(27), '0');
  const port = new GpioGate({ chip: onoffChip(), relayPin: 17, doorSensorPin: 27, heldOpenMs: HELD_OPEN_MS, forcedGraceMs: 0, sensorPollMs: 10, exitHook: false });
  return {
    port,
    primeRelayEnergized: async () => writeFileSync(value(17), '1'),
    relayEnergized: async () => readFileSync(value(17), 'utf8').trim() === '1',
    setDoor: async (open) => writeFileSync(value(27), open ? '1' : '0'),
    dispose: async () => {},
  };
});

describe('onoff on a fake sysfs', () => {
  it('falls back to polling the door sensor when epoll is refused, and configures the lines', async () => {
    const gate = new GpioGate({ chip: onoffChip(), relayPin: 17, doorSensorPin: 27, exitHook: false });
    await gate.start();
    expect(gate.health().detail?.sensing).toBe('poll');
    expect(readFileSync('/sys/class/gpio/gpio17/direction', 'utf8').trim()).toBe('out');
    expect(readFileSync('/sys/class/gpio/gpio27/direction', 'utf8').trim()).toBe('in');
    expect(readFileSync('/sys/class/gpio/gpio27/edge', 'utf8').trim()).toBe('both');
    await gate.stop();
  });
});
