import type { GatePort } from '../../src/ports';
import { nextEvent, sleep } from '../helpers/wait';

export interface GateHarness {
  /** Built with a held-open alarm of HELD_OPEN_MS. */
  port: GatePort;
  /** Leaves the relay energized as a crashed run would, before start(). */
  primeRelayEnergized(): Promise<void>;
  relayEnergized(): Promise<boolean>;
  setDoor(open: boolean): Promise<void>;
  dispose(): Promise<void>;
}

export const HELD_OPEN_MS = 300;

export function describeGateContract(name: string, makeSubject: () => Promise<GateHarness>): void {
  describe(`GatePort contract: ${name}`, () => {
    let h: GateHarness;
    beforeEach(async () => {
      h = await makeSubject();
    });
    afterEach(async () => {
      await h.port.stop();
      await h.dispose();
    });

    it('starts closed even when the relay was left energized (fail-secure restart)', async () => {
      await h.primeRelayEnergized();
      await h.port.start();
      expect(h.port.isOpen()).toBe(false);
      expect(await h.relayEnergized()).toBe(false);
      expect(h.port.health().present).toBe(true);
    });

    it('pulses the relay for the asked time, then closes by itself', async () => {
      await h.port.start();
      const opened = nextEvent(h.port, 'opened');
      const before = Date.now();
      const at = await h.port.open(400);
      await opened;
      expect(at.getTime()).toBeGreaterThanOrEqual(before - 5);
      expect(h.port.isOpen()).toBe(true);
      expect(await h.relayEnergized()).toBe(true);
      await nextEvent(h.port, 'closed', 3000);
      expect(Date.now() - before).toBeGreaterThanOrEqual(380);
      expect(h.port.isOpen()).toBe(false);
      expect(await h.relayEnergized()).toBe(false);
    });

    it('closes on command before the time is up', async () => {
      await h.port.start();
      await h.port.open(10_000);
      const closed = nextEvent(h.port, 'closed');
      await h.port.close();
      await closed;
      expect(await h.relayEnergized()).toBe(false);
    });

    it('raises forcedDoor when the door opens while the gate is locked', async () => {
      await h.port.start();
      const forced = nextEvent(h.port, 'forcedDoor');
      const opened = nextEvent(h.port, 'doorOpened');
      await h.setDoor(true);
      await opened;
      await forced;
      const closed = nextEvent(h.port, 'doorClosed');
      await h.setDoor(false);
      await closed;
    });

    it('raises heldOpen when the door stays open after the gate locked again, never forcedDoor', async () => {
      await h.port.start();
      let forced = 0;
      h.port.on('forcedDoor', () => forced++);
      await h.port.open(200);
      await sleep(50);
      await h.setDoor(true);
      const [ms] = await nextEvent<[number]>(h.port, 'heldOpen', 3000);
      expect(ms).toBeGreaterThanOrEqual(HELD_OPEN_MS - 20);
      expect(h.port.isOpen()).toBe(false);
      expect(forced).toBe(0);
      await h.setDoor(false);
    });

    it('drives the relay closed when stopped while open', async () => {
      await h.port.start();
      await h.port.open(10_000);
      await h.port.stop();
      expect(await h.relayEnergized()).toBe(false);
      expect(h.port.isOpen()).toBe(false);
    });
  });
}
