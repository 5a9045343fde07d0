// A throwaway aedes broker for tests, in its own process (aedes 1.x is ESM-only).
// USERS (JSON {username: password}) turns authentication on; prints {"port": n} when listening.
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const users = process.env.USERS ? JSON.parse(process.env.USERS) : undefined;
const broker = await Aedes.createBroker(
  users ? { authenticate: (_c, u, p, cb) => cb(null, u !== undefined && users[u] !== undefined && users[u] === p?.toString()) } : {},
);
const server = createServer(broker.handle);
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
process.on('SIGTERM', () => broker.close(() => process.exit(0)));
