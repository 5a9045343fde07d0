'use strict';
// Output node: a command to the appliance on room/appliance/request (the only topic the
// `nodered` user may publish to). The appliance validates and answers on room/appliance/response;
// the answer leaves this node's output with the same msg.
const { randomUUID } = require('node:crypto');
const { RequestEnvelope, ResponseEnvelope, parsePayload, validate } = require('@evalroom/contracts');

module.exports = function register(RED) {
  function EvalroomCommandNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const broker = RED.nodes.getNode(config.broker);
    const timeoutMs = Number(config.timeoutMs) || 5000;
    const pending = new Map();
    if (!broker) {
      node.status({ fill: 'red', shape: 'ring', text: 'no broker' });
      return;
    }
    const off = broker.subscribe('room/appliance/response', (topic, payload) => {
      const r = parsePayload(ResponseEnvelope, payload);
      if (!r.ok) return;
      const p = pending.get(r.value.transaction);
      if (!p) return;
      pending.delete(r.value.transaction);
      clearTimeout(p.timer);
      p.msg.payload = r.value;
      node.status({ fill: r.value.status === 'ok' ? 'green' : 'yellow', shape: 'dot', text: r.value.status });
      p.send(p.msg);
      p.done();
    });

    node.on('input', (msg, send, done) => {
      const command = config.command || msg.command;
      const params = msg.params !== undefined ? msg.params : typeof msg.payload === 'object' && msg.payload !== null && config.paramsFromPayload ? msg.payload : {};
      const envelope = validate(RequestEnvelope, { transaction: randomUUID(), command, params });
      if (!envelope.ok) {
        done(new Error(`not sent: ${envelope.reason}`));
        return;
      }
      const timer = setTimeout(() => {
        pending.delete(envelope.value.transaction);
        node.status({ fill: 'red', shape: 'ring', text: 'timeout' });
        done(new Error(`appliance did not answer ${command} within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(envelope.value.transaction, { msg, send, done, timer });
      msg.transaction = envelope.value.transaction;
      broker.publishRequest(envelope.value).catch((err) => {
        clearTimeout(timer);
        pending.delete(envelope.value.transaction);
        done(err);
      });
    });
    node.on('close', () => {
      off();
      for (const p of pending.values()) clearTimeout(p.timer);
      pending.clear();
    });
  }
  RED.nodes.registerType('evalroom-command', EvalroomCommandNode);
};
