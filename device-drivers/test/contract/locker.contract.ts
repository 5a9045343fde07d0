import type { LockerPort } from '../../src/ports';
import { nextEvent } from '../helpers/wait';

export interface LockerHarness {
  /** A bank of exactly 2 slots. */
  port: LockerPort;
  closeDoor(slot: number, occupied: boolean): Promise<void>;
  dispose(): Promise<void>;
}

export function describeLockerContract(name: string, makeSubject: () => Promise<LockerHarness>): void {
  describe(`LockerPort contract: ${name}`, () => {
    let h: LockerHarness;
    beforeEach(async () => {
      h = await makeSubject();
      await h.port.start();
    });
    afterEach(async () => {
      await h.port.stop();
      await h.dispose();
    });

    it('assigns one slot per check-in, the same slot again on a repeat, and refuses when full', async () => {
      const a = await h.port.assign('checkin-a');
      const b = await h.port.assign('checkin-b');
      expect(a).not.toBe(b);
      expect(await h.port.assign('checkin-a')).toBe(a);
      await expect(h.port.assign('checkin-c')).rejects.toThrow(/no free/);
      await h.port.release(a);
      expect(await h.port.assign('checkin-c')).toBe(a);
      expect(h.port.health().present).toBe(true);
    });

    it('opens a slot, then reports it closed with its occupancy', async () => {
      const slot = await h.port.assign('checkin-a');
      const opened = nextEvent<[number]>(h.port, 'slotOpened');
      await h.port.open(slot);
      expect((await opened)[0]).toBe(slot);
      const closed = nextEvent<[number, boolean]>(h.port, 'slotClosed');
      await h.closeDoor(slot, true);
      expect(await closed).toEqual([slot, true]);
    });

    it('rejects a slot that does not exist', async () => {
      await expect(h.port.open(3)).rejects.toThrow(/no slot/);
      await expect(h.port.open(0)).rejects.toThrow(/no slot/);
    });
  });
}
