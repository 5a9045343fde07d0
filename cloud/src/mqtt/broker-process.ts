/**
 * The embedded cloud broker (aedes), run as a child process so it does not share the API's event
 * loop. Deny by default: the cloud's service user may do anything; an appliance authenticates as
 * username = client id = applianceId with its scrypt-hashed password and is limited by broker-acl.
 * Credentials arrive from the parent over IPC. Entry point: fork(dist/mqtt/broker-process.js).
 */
import { createServer, type AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { mayPublish, maySubscribe, type BrokerPrincipal } from './broker-acl';
import type { BrokerToParent, ParentToBroker } from './broker-protocol';
import { verifyPassword } from './credentials';

const send = (m: BrokerToParent) => process.send?.(m);
const secrets = new Map<string, string>();
const principals = new WeakMap<Client, BrokerPrincipal>();

function refuse(done: (e: AuthenticateError | null, ok: boolean | null) => void, reason: string, code: 4 | 5 = 4) {
  const err = new Error(reason) as AuthenticateError;
  err.returnCode = code;
  done(err, false);
}

async function start(init: Extract<ParentToBroker, { type: 'init' }>): Promise<void> {
  for (const a of init.appliances) secrets.set(a.id, a.secretHash);
  const servicePw = Buffer.from(init.service.password);
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      if (!username || !password) return refuse(done, 'credentials required', 5);
      if (username === init.service.username) {
        const ok = password.length === servicePw.length && timingSafeEqual(password, servicePw);
        if (!ok) return refuse(done, 'bad service credentials');
        principals.set(client, { kind: 'service' });
        return done(null, true);
      }
      const hash = secrets.get(username);
      if (!hash || client.id !== username) return refuse(done, 'unknown appliance or client id not bound to username', 5);
      verifyPassword(password.toString('utf8'), hash).then(
        (ok) => {
          if (!ok) return refuse(done, 'bad appliance credentials');
          principals.set(client, { kind: 'appliance', applianceId: username });
          done(null, true);
        },
        () => refuse(done, 'credential check failed'),
      );
    },
    authorizePublish: (client, packet, cb) => {
      const who = client ? principals.get(client) : ({ kind: 'service' } as const);
      if (who && mayPublish(who, packet.topic)) return cb(null);
      send({ type: 'log', level: 'warn', message: `publish refused: client ${client?.id} topic ${packet.topic}` });
      cb(new Error('publish not allowed'));
    },
    authorizeSubscribe: (client, sub, cb) => {
      const who = principals.get(client);
      if (who && maySubscribe(who, sub.topic)) return cb(null, sub);
      send({ type: 'log', level: 'warn', message: `subscribe refused: client ${client.id} filter ${sub.topic}` });
      cb(null, null); // negative suback (0x80) rather than closing the connection
    },
  });
  broker.on('client', (c) => send({ type: 'client', clientId: c.id, connected: true }));
  broker.on('clientDisconnect', (c) => send({ type: 'client', clientId: c.id, connected: false }));
  const server = createServer(broker.handle);
  server.on('error', (err) => {
    send({ type: 'log', level: 'error', message: `broker listen failed: ${err.message}` });
    process.exit(1);
  });
  server.listen(init.port, init.host, () => send({ type: 'ready', port: (server.address() as AddressInfo).port }));
  const stop = () => {
    server.close();
    broker.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', () => undefined); // the parent decides when we stop
  process.on('disconnect', stop);
}

process.on('message', (m: ParentToBroker) => {
  if (m.type === 'init') {
    start(m).catch((err: Error) => {
      send({ type: 'log', level: 'error', message: `broker failed: ${err.message}` });
      process.exit(1);
    });
  } else if (m.type === 'credential') {
    if (m.secretHash) secrets.set(m.id, m.secretHash);
    else secrets.delete(m.id);
  }
});
