'use strict';
// Input node: room events, validated with the contracts schemas, filtered by category.
// Personal data never enters a flow: card reads carry the card type and a masked ID number only.
const { ApplianceEvent, deviceEventSchema, parsePayload, maskIdNumber } = require('@evalroom/contracts');

const CATEGORIES = {
  checkin: (type) => type === 'checkin.admitted' || type === 'checkin.rejected',
  card: (type) => type === 'card.read' || type === 'card.removed' || type === 'reader.error',
  gate: (type) => type === 'gate.entry' || type.startsWith('gate.') || type.startsWith('door.') || type.startsWith('alarm.forced') || type.startsWith('alarm.held'),
  alarm: (type) => type === 'alarm.raised' || type === 'alarm.cleared' || type === 'alarm.forced_door' || type === 'alarm.held_open',
  session: (type) => type.startsWith('session.'),
  all: () => true,
};
const DEVICE_KINDS = ['idreader', 'gate', 'camera', 'tablet', 'locker'];

function parseDeviceEvent(payload) {
  for (const kind of DEVICE_KINDS) {
    const r = parsePayload(deviceEventSchema(kind), payload);
    if (r.ok) return { kind, event: r.value };
  }
  return undefined;
}

function redactDeviceEvent(body) {
  if (body.type !== 'card.read') return body;
  return { type: 'card.read', card: { cardType: body.card.cardType, idNumber: maskIdNumber(body.card.idNumber) } };
}

module.exports = function register(RED) {
  function EvalroomRoomEventNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const broker = RED.nodes.getNode(config.broker);
    const wanted = CATEGORIES[config.category] || CATEGORIES.all;
    if (!broker) {
      node.status({ fill: 'red', shape: 'ring', text: 'no broker' });
      return;
    }
    const offs = [];
    offs.push(
      broker.subscribe('room/appliance/event', (topic, payload) => {
        const r = parsePayload(ApplianceEvent, payload);
        if (!r.ok) return node.warn(`dropped appliance event: ${r.reason}`);
        if (!wanted(r.value.type)) return;
        node.send({ topic: r.value.type, payload: r.value.data, event: { id: r.value.eventId, seq: r.value.seq, ts: r.value.ts, source: 'appliance' } });
      }),
    );
    if (config.category !== 'checkin' && config.category !== 'session') {
      offs.push(
        broker.subscribe('room/dev/+/event', (topic, payload) => {
          const parsed = parseDeviceEvent(payload);
          if (!parsed) return node.warn(`dropped device event on ${topic}`);
          const body = parsed.event.event;
          if (!wanted(body.type)) return;
          node.send({
            topic: body.type,
            payload: redactDeviceEvent(body),
            event: { seq: parsed.event.seq, ts: parsed.event.ts, source: parsed.event.deviceId, kind: parsed.kind },
          });
        }),
      );
    }
    node.status({ fill: 'green', shape: 'dot', text: config.category || 'all' });
    node.on('close', () => offs.forEach((off) => off()));
  }
  RED.nodes.registerType('evalroom-room-event', EvalroomRoomEventNode);
};
