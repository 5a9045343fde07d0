// The simulators pass the same conformance suites as the real drivers.
import { SimGate, SimIdReader } from '../../src/sim';
import { describeGateContract, HELD_OPEN_MS } from '../contract/gate.contract';
import { describeIdReaderContract } from '../contract/idreader.contract';

describeGateContract('simulated gate', async () => {
  const gate = new SimGate({ heldOpenAlarmMs: HELD_OPEN_MS });
  return {
    port: gate,
    // The simulator has no relay left over from a crash: it always starts closed.
    primeRelayEnergized: async () => {},
    relayEnergized: async () => gate.isOpen(),
    setDoor: async (open) => gate.setDoor(open),
    dispose: async () => {},
  };
});

describeIdReaderContract('simulated id reader', async () => {
  const reader = new SimIdReader();
  return {
    port: reader,
    placeCard: (card) => reader.insertCard(card),
    removeCard: () => void reader.removeCard(),
    dispose: async () => {},
  };
});
