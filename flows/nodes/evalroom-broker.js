'use strict';
// Config node: one MQTT connection to the room broker as the `nodered` user. The broker's ACL
// lets this user read room events and publish only room/appliance/request.

module.exports = function register(RED) {
  function EvalroomBrokerNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    // The embedding edge passes the room broker and the nodered password in settings.evalroomBroker,
    // so shipped flows carry no address and no secret.
    const injected = (RED.settings && RED.settings.evalroomBroker) || {};
    const url = injected.url || config.url;
    const username = injected.username || config.username || 'nodered';
    const password = injected.password || (node.credentials && node.credentials.password) || undefined;
    const subscribers = new Map(); // topic filter -> Set<fn>
    const mqtt = require('mqtt');
    node.client = mqtt.connect(url, {
      username,
      password,
      // The room broker binds a client id to its identity (client id = username).
      clientId: injected.clientId || username,
      protocolVersion: 4,
      reconnectPeriod: 2000,
    });
    node.client.on('connect', () => {
      node.log(`connected to ${url} as ${username}`);
      for (const filter of subscribers.keys()) node.client.subscribe(filter, { qos: 1 });
    });
    node.client.on('error', (err) => node.warn(`room broker: ${err.message}`));
    node.client.on('message', (topic, payload) => {
      for (const [filter, fns] of subscribers) {
        if (matches(filter, topic)) for (const fn of fns) fn(topic, payload);
      }
    });

    node.subscribe = (filter, fn) => {
      const set = subscribers.get(filter) || new Set();
      set.add(fn);
      subscribers.set(filter, set);
      if (set.size === 1 && node.client.connected) node.client.subscribe(filter, { qos: 1 });
      return () => set.delete(fn);
    };
    node.publishRequest = (envelope) =>
      node.client.publishAsync('room/appliance/request', JSON.stringify(envelope), { qos: 1 });

    node.on('close', (done) => node.client.end(true, {}, () => done()));
  }

  function matches(filter, topic) {
    const f = filter.split('/');
    const t = topic.split('/');
    for (let i = 0; i < f.length; i++) {
      if (f[i] === '#') return true;
      if (f[i] !== '+' && f[i] !== t[i]) return false;
    }
    return f.length === t.length;
  }

  RED.nodes.registerType('evalroom-broker', EvalroomBrokerNode, { credentials: { password: { type: 'password' } } });
};
