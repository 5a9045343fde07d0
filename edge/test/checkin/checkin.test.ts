import type { ApplianceEventBody, DesiredState } from '@evalroom/contracts';
import { SimCamera, SimGate, SimTablet } from '@evalroom/device-drivers';
import { createMemoryLogger } from '../../src/app/logger';
import { decideCard, initialDoorState, step } from '../../src/checkin/machine';
import { CheckinService } from '../../src/checkin/service';
import { InMemoryRequester, ScriptedFaceVerifier, makeCard, makeDesired, makeSession, residentId } from '../fixtures';
import { waitFor } from '../helpers';

const ALICE = residentId('11010119800101123');
const BOB = residentId('11010119800101456');
const STRANGER = residentId('11010119800101789');
const ELSEWHERE = residentId('11010119800101321');

// A JPEG header is enough for the simulated camera to accept a frame; the scripted verifier reads the tail.
const jpeg = (tag: string): Buffer =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x10, 0x00, 0x10, 0x03]), Buffer.from(`|live-${tag}`)]);

class Room {
  gate = new SimGate();
  camera = new SimCamera();
  face = new ScriptedFaceVerifier();
  requester = new InMemoryRequester({ 'gate-1': this.gate, 'cam-1': this.camera });
  events: ApplianceEventBody[] = [];
  desired: DesiredState;
  service: CheckinService;

  /** Clock offset (ms) the service sees, so the repeat-tap window can pass without waiting. */
  skewMs = 0;

  constructor(desired: DesiredState, options: { repeatTapWindowMs?: number } = {}) {
    this.desired = desired;
    // The verifier compares the probe's tag with the chip photo's id number.
    const face = this.face;
    this.service = new CheckinService({
      room: this.requester,
      face: {
        verify: ({ probe, reference }) => face.verify({ probe: Buffer.from(probe.toString('latin1').split('|')[1] ?? ''), reference }),
        close: async () => {},
      },
      record: (b) => this.events.push(b),
      context: () => ({ desired: this.desired, roomId: 'room-1', gateId: 'gate-1', timezone: 'Asia/Shanghai' }),
      gateId: 'gate-1',
      faceSource: { deviceId: 'cam-1', kind: 'camera' },
      gateOpenMs: 1000,
      faceCaptureTimeoutMs: 500,
      logger: createMemoryLogger(),
      now: () => new Date(Date.now() + this.skewMs),
      ...options,
    });
  }

  async start(): Promise<void> {
    await this.gate.start();
    await this.camera.start();
  }

  async stop(): Promise<void> {
    await this.gate.stop();
    await this.camera.stop();
  }

  gateCommands(): number {
    return this.requester.requests.filter((r) => r.deviceId === 'gate-1').length;
  }

  async tap(idNumber: string, face?: string, over = {}): Promise<ApplianceEventBody> {
    if (face) this.camera.setNextFrame(jpeg(face));
    const id = this.service.cardRead(makeCard(idNumber, over));
    await waitFor(() => this.events.some((e) => e.type.startsWith('checkin.') && (e.data as { checkinId: string }).checkinId === id), 3000, 'outcome');
    return this.events.find((e) => e.type.startsWith('checkin.') && (e.data as { checkinId: string }).checkinId === id)!;
  }
}

describe('check-in', () => {
  let room: Room;
  const now = Date.now();
  beforeEach(async () => {
    room = new Room(
      makeDesired([
        makeSession({ idNumbers: [ALICE, BOB] }, now),
        makeSession({ sessionId: 'sess-other-room', roomId: 'room-9', idNumbers: [ELSEWHERE] }, now),
      ]),
    );
    await room.start();
  });
  afterEach(() => room.stop());

  it('admits a rostered expert whose face matches the chip photo, and opens the gate', async () => {
    const ev = await room.tap(ALICE, ALICE);
    expect(ev.type).toBe('checkin.admitted');
    expect(ev.data).toMatchObject({ sessionId: 'sess-1', expertRef: 'expert-1', workstation: 'W1', method: 'face' });
    expect(room.gate.isOpen()).toBe(true);
    expect(room.requester.requests.find((r) => r.deviceId === 'gate-1')?.params).toMatchObject({ reason: 'checkin' });
    expect(room.events.map((e) => e.type)).toEqual(['checkin.admitted', 'gate.entry']);
  });

  const rejected = async (outcome: string, run: () => Promise<ApplianceEventBody>): Promise<void> => {
    const ev = await run();
    expect(ev.type).toBe('checkin.rejected');
    expect((ev.data as { outcome: string }).outcome).toBe(outcome);
    expect(room.gateCommands()).toBe(0);
    expect(room.gate.isOpen()).toBe(false);
  };

  it('rejects an unknown card', () => rejected('unknown_card', () => room.tap(STRANGER, STRANGER)));
  it('rejects a card rostered in another room of the venue', () => rejected('wrong_room', () => room.tap(ELSEWHERE, ELSEWHERE)));
  it('rejects an expired card', () => rejected('card_expired', () => room.tap(ALICE, ALICE, { validTo: '20200101' })));
  it('rejects a card not yet valid', () => rejected('invalid_card', () => room.tap(ALICE, ALICE, { validFrom: '20990101' })));
  it('rejects a face that does not match', () => rejected('face_mismatch', () => room.tap(ALICE, BOB)));

  it('rejects outside the check-in window', async () => {
    room.desired = makeDesired([makeSession({ idNumbers: [ALICE], checkInOpensAt: new Date(now + 3_600_000).toISOString(), checkInClosesAt: new Date(now + 7_200_000).toISOString() }, now)]);
    await rejected('outside_window', () => room.tap(ALICE, ALICE));
  });

  it.each(['no_face', 'multiple_faces', 'liveness_failed', 'quality_failed'] as const)('rejects %s from the face check', async (outcome) => {
    room.face.force = outcome;
    await rejected(outcome, () => room.tap(ALICE, ALICE));
  });

  it('rejects a repeated tap after admission without opening again', async () => {
    expect((await room.tap(ALICE, ALICE)).type).toBe('checkin.admitted');
    const before = room.gateCommands();
    const ev = await room.tap(ALICE, ALICE);
    expect((ev.data as { outcome: string }).outcome).toBe('already_checked_in');
    expect(room.gateCommands()).toBe(before);
  });

  it('ignores a repeat tap within the window silently, then answers already_checked_in', async () => {
    const tapRoom = new Room(makeDesired([makeSession({ idNumbers: [ALICE, BOB] })]), { repeatTapWindowMs: 30_000 });
    await tapRoom.start();
    try {
      expect((await tapRoom.tap(ALICE, ALICE)).type).toBe('checkin.admitted');
      const gates = tapRoom.gateCommands();
      const count = tapRoom.events.length;
      // Second and third taps within 30 s: no check-in, no event.
      expect(tapRoom.service.cardRead(makeCard(ALICE))).toBeUndefined();
      tapRoom.skewMs = 29_000;
      expect(tapRoom.service.cardRead(makeCard(ALICE))).toBeUndefined();
      await new Promise((r) => setTimeout(r, 50));
      expect(tapRoom.events.length).toBe(count);
      expect(tapRoom.service.repeatTaps).toBe(2);
      // Another card is not affected by Alice's window.
      expect((await tapRoom.tap(BOB, BOB)).type).toBe('checkin.admitted');
      // After the window: the usual answer, once; and that answer opens a new window.
      tapRoom.skewMs = 31_000;
      const ev = await tapRoom.tap(ALICE, ALICE);
      expect(ev.data).toMatchObject({ outcome: 'already_checked_in' });
      expect(tapRoom.service.cardRead(makeCard(ALICE))).toBeUndefined();
      expect(tapRoom.gateCommands()).toBe(gates + 1);
    } finally {
      await tapRoom.stop();
    }
  });

  it('a card rejected for another reason may be tried again at once (the window follows admissions only)', async () => {
    const tapRoom = new Room(makeDesired([makeSession({ idNumbers: [ALICE] })]), { repeatTapWindowMs: 30_000 });
    await tapRoom.start();
    try {
      tapRoom.face.force = 'no_face';
      expect((await tapRoom.tap(ALICE, ALICE)).data).toMatchObject({ outcome: 'no_face' });
      tapRoom.face.force = undefined;
      expect((await tapRoom.tap(ALICE, ALICE)).type).toBe('checkin.admitted');
    } finally {
      await tapRoom.stop();
    }
  });

  it('takes no new card reads or overrides once closed', async () => {
    room.service.close();
    expect(room.service.cardRead(makeCard(ALICE))).toBeUndefined();
    expect(await room.service.override('x', { staffId: 's1', reason: 'late' })).toEqual({ ok: false, reason: 'appliance stopping' });
    expect(room.events).toEqual([]);
  });

  it('aborts when the card is removed during the face check; the late result opens nothing', async () => {
    room.face.delayMs = 100;
    room.camera.setNextFrame(jpeg(ALICE));
    const id = room.service.cardRead(makeCard(ALICE));
    await waitFor(() => room.face.calls === 1);
    room.service.cardRemoved();
    expect(room.events[0]?.data).toMatchObject({ checkinId: id, outcome: 'card_removed' });
    await new Promise((r) => setTimeout(r, 200));
    expect(room.gateCommands()).toBe(0);
    expect(room.events).toHaveLength(1);
  });

  it('reports a camera that does not answer as a timeout', async () => {
    room.requester.silent.add('cam-1');
    await rejected('timeout', () => room.tap(ALICE));
  });

  it('reports a failing face engine as a device error', async () => {
    room.face.force = 'throw';
    await rejected('device_error', () => room.tap(ALICE, ALICE));
  });

  it('reports a gate that does not answer, and records no admission', async () => {
    room.requester.silent.add('gate-1');
    const ev = await room.tap(ALICE, ALICE);
    expect(ev.data).toMatchObject({ outcome: 'timeout' });
    expect(room.events.some((e) => e.type === 'checkin.admitted')).toBe(false);
  });

  it('handles one check-in at a time: a second card while busy is ignored', async () => {
    room.face.delayMs = 100;
    room.camera.setNextFrame(jpeg(ALICE));
    const first = room.service.cardRead(makeCard(ALICE));
    room.service.cardRead(makeCard(BOB));
    await waitFor(() => room.events.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(room.events.filter((e) => e.type.startsWith('checkin.')).map((e) => (e.data as { checkinId: string }).checkinId)).toEqual([first]);
  });

  it('lets staff override a face mismatch with a reason, recorded as staff_override', async () => {
    const ev = await room.tap(ALICE, BOB);
    const checkinId = (ev.data as { checkinId: string }).checkinId;
    const result = await room.service.override(checkinId, { staffId: 'staff-7', reason: 'photo 15 years old; checked papers' });
    expect(result.ok).toBe(true);
    expect(room.gate.isOpen()).toBe(true);
    const admitted = room.events.find((e) => e.type === 'checkin.admitted')!;
    expect(admitted.data).toMatchObject({ checkinId, method: 'staff_override', override: { staffId: 'staff-7' } });
    expect(room.requester.requests.find((r) => r.deviceId === 'gate-1')?.params).toMatchObject({ reason: 'override' });
    // Overrides are single-use.
    expect((await room.service.override(checkinId, { staffId: 'staff-7', reason: 'again' })).ok).toBe(false);
  });

  it('refuses to override an unknown card (no roster identity to admit)', async () => {
    const ev = await room.tap(STRANGER, STRANGER);
    const r = await room.service.override((ev.data as { checkinId: string }).checkinId, { staffId: 's', reason: 'let me in' });
    expect(r.ok).toBe(false);
    expect(room.gateCommands()).toBe(0);
  });
});

describe('check-in with the tablet as face source', () => {
  it('captures the face on the tablet and admits', async () => {
    const gate = new SimGate();
    const tablet = new SimTablet();
    await gate.start();
    await tablet.start();
    const requester = new InMemoryRequester({ 'gate-1': gate, 'tab-1': tablet });
    const events: ApplianceEventBody[] = [];
    const face = new ScriptedFaceVerifier();
    const service = new CheckinService({
      room: requester,
      face: { verify: ({ probe, reference }) => face.verify({ probe: Buffer.from(probe.toString('latin1').split('|')[1] ?? ''), reference }), close: async () => {} },
      record: (b) => events.push(b),
      context: () => ({ desired: makeDesired([makeSession({ idNumbers: [ALICE] })]), roomId: 'room-1', gateId: 'gate-1', timezone: 'Asia/Shanghai' }),
      gateId: 'gate-1',
      faceSource: { deviceId: 'tab-1', kind: 'tablet' },
      gateOpenMs: 1000,
      faceCaptureTimeoutMs: 2000,
      logger: createMemoryLogger(),
    });
    tablet.setNextFace(jpeg(ALICE));
    service.cardRead(makeCard(ALICE));
    await waitFor(() => events.some((e) => e.type === 'checkin.admitted'));
    expect(requester.requests[0]).toMatchObject({ deviceId: 'tab-1', command: 'face.capture' });
    expect(gate.isOpen()).toBe(true);
    await gate.stop();
  });
});

describe('check-in transition function (pure)', () => {
  const ctx = (desired: DesiredState) => ({ desired, roomId: 'room-1', gateId: 'gate-1', timezone: 'Asia/Shanghai' });

  it('with no desired state every card is unknown', () => {
    const d = decideCard(makeCard(ALICE), new Date(), { desired: undefined, roomId: 'room-1', gateId: 'g', timezone: 'UTC' }, {});
    expect(d).toMatchObject({ ok: false, outcome: 'unknown_card' });
  });

  it('ignores sessions that are closed', () => {
    const desired = makeDesired([makeSession({ idNumbers: [ALICE], status: 'closed' })]);
    expect(decideCard(makeCard(ALICE), new Date(), ctx(desired), {})).toMatchObject({ ok: false, outcome: 'unknown_card' });
  });

  it('a card read starts a capture; a gate result for a stale attempt changes nothing', () => {
    const desired = makeDesired([makeSession({ idNumbers: [ALICE] })]);
    const s1 = step(initialDoorState(), { type: 'card_read', checkinId: 'c1', card: makeCard(ALICE), at: new Date() }, ctx(desired));
    expect(s1.effects).toEqual([{ type: 'capture_face', checkinId: 'c1' }]);
    const s2 = step(s1.state, { type: 'gate_opened', checkinId: 'c0', at: new Date() }, ctx(desired));
    expect(s2.state).toBe(s1.state);
    expect(s2.effects[0]?.type).toBe('ignored');
  });
});
