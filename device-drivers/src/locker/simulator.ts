import type { ByteTransport } from '../idreader/transport';
import { encodeLockerFrame, LockerCmd, LockerDecoder, STATUS_DOOR_OPEN, STATUS_FAULT, STATUS_OCCUPIED, type LockerFrame } from './protocol';

/** A locker control board at the byte level: spring-loaded doors pop open when unlocked. */
export class LockerBoardSimulator {
  private readonly doors: Array<{ open: boolean; occupied: boolean; jammed: boolean }>;
  private readonly decoder = new LockerDecoder(false, (f) => void this.onRequest(f));
  private readonly off: () => void;

  constructor(
    private readonly transport: ByteTransport,
    slots: number,
    private readonly address = 1,
  ) {
    this.doors = Array.from({ length: slots }, () => ({ open: false, occupied: false, jammed: false }));
    this.off = transport.onData((c) => this.decoder.push(c));
  }

  /** Someone shuts the door, with or without a phone inside. */
  async closeDoor(slot: number, occupied: boolean): Promise<void> {
    const d = this.doors[slot - 1]!;
    d.open = false;
    d.occupied = occupied;
    await this.send({ addr: this.address, cmd: LockerCmd.report, slot, status: this.status(slot) });
  }

  jam(slot: number): void {
    this.doors[slot - 1]!.jammed = true;
  }

  detach(): void {
    this.off();
  }

  private status(slot: number): number {
    const d = this.doors[slot - 1];
    if (!d || d.jammed) return STATUS_FAULT;
    return (d.open ? STATUS_DOOR_OPEN : 0) | (d.occupied ? STATUS_OCCUPIED : 0);
  }

  private async onRequest(f: LockerFrame): Promise<void> {
    if (f.addr !== this.address) return; // another board on the bus
    const d = this.doors[f.slot - 1];
    if (f.cmd === LockerCmd.unlock && d && !d.jammed) d.open = true;
    await this.send({ addr: this.address, cmd: f.cmd, slot: f.slot, status: this.status(f.slot) });
  }

  private async send(f: LockerFrame): Promise<void> {
    try {
      await this.transport.write(encodeLockerFrame(f));
    } catch {
      // link closed
    }
  }
}
