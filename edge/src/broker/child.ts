/**
 * The room broker, run as its own process so MQTT traffic never competes with check-in on the
 * appliance's event loop (in-loop aedes measured ≈ half of Mosquitto's throughput).
 * Started by ./process.ts through fork(); talks back over IPC.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { BrokerUsersFile, verifyPassword, type BrokerUser } from '../config/secrets';
import { canPublish, canSubscribe, type Identity } from './acl';
import type { FromBroker, ToBroker } from './protocol';

const send = (msg: FromBroker): void => {
  if (process.connected) process.send?.(msg);
};
const log = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void => send({ type: 'log', level, msg, fields });

type AuthError = Error & { returnCode: number };
const authError = (code: number, message: string): AuthError => Object.assign(new Error(message), { returnCode: code });

interface AedesLike {
  handle: (conn: unknown) => void;
  close: (cb?: () => void) => void;
  authenticate: unknown;
  authorizePublish: unknown;
  authorizeSubscribe: unknown;
}

async function start(msg: Extract<ToBroker, { type: 'start' }>): Promise<{ server: Server; broker: AedesLike }> {
  const file = BrokerUsersFile.parse(JSON.parse(readFileSync(msg.usersFile, 'utf8')));
  const users = new Map<string, BrokerUser>(file.users.map((u) => [u.username, u]));
  // Successful logins remembered by password digest, so reconnects skip the scrypt cost.
  const verified = new Map<string, string>();
  const identities = new WeakMap<object, Identity>();

  // aedes 1.x is an ES module; Node 20.19+ loads it through require().
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Aedes } = require('aedes') as typeof import('aedes');
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      const peer = { clientId: client.id, username };
      if (!username || !password) {
        log('warn', 'connect refused: no credentials', peer);
        return done(authError(5, 'not authorized'), false);
      }
      const user = users.get(username);
      if (!user) {
        log('warn', 'connect refused: unknown user', peer);
        return done(authError(4, 'bad username or password'), false);
      }
      if (client.id !== username) {
        log('warn', 'connect refused: client id must equal the username', peer);
        return done(authError(2, 'identifier rejected'), false);
      }
      const digest = createHash('sha256').update(password).digest('hex');
      const accept = (): void => {
        identities.set(client, { username, role: user.role });
        done(null, true);
      };
      if (verified.get(username) === digest) return accept();
      verifyPassword(user, password.toString('utf8')).then(
        (ok) => {
          if (!ok) {
            log('warn', 'connect refused: wrong password', peer);
            return done(authError(4, 'bad username or password'), false);
          }
          verified.set(username, digest);
          accept();
        },
        (err: Error) => done(authError(3, err.message), false),
      );
    },
    authorizePublish: (client, packet, cb) => {
      if (!client) return cb(null); // broker-internal messages
      const who = identities.get(client);
      if (who && canPublish(who, packet.topic)) return cb(null);
      log('warn', 'publish refused by ACL', { clientId: client.id, topic: packet.topic });
      cb(new Error('publish not authorized'));
    },
    authorizeSubscribe: (client, sub, cb) => {
      const who = identities.get(client);
      if (who && canSubscribe(who, sub.topic)) return cb(null, sub);
      log('warn', 'subscribe refused by ACL', { clientId: client.id, topic: sub.topic });
      cb(null, null);
    },
  });
  broker.on('clientError', (client, err) => log('warn', 'client error', { clientId: client.id, err: err.message }));

  const server = createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(msg.port, msg.host, () => resolve());
  });
  send({ type: 'ready', port: (server.address() as AddressInfo).port });
  return { server, broker: broker as unknown as AedesLike };
}

let running: { server: Server; broker: AedesLike } | undefined;

async function stop(): Promise<void> {
  const r = running;
  running = undefined;
  if (r) {
    await new Promise<void>((resolve) => r.broker.close(() => resolve()));
    await new Promise<void>((resolve) => r.server.close(() => resolve()));
  }
  send({ type: 'stopped' });
  process.exit(0);
}

process.on('message', (raw: ToBroker) => {
  if (raw.type === 'start') {
    start(raw).then(
      (r) => (running = r),
      (err: Error) => {
        send({ type: 'failed', message: err.message });
        process.exit(1);
      },
    );
  } else if (raw.type === 'stop') {
    void stop();
  }
});
// The broker never outlives the appliance.
process.on('disconnect', () => process.exit(0));
// Ctrl-C and service managers signal the whole process group: the appliance stops the broker
// itself, after its own clients are done, so the child ignores those signals.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
