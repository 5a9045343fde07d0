/**
 * Room broker throughput against Mosquitto, side by side in the same run: the same publisher and
 * subscriber code, the same message count and size, each broker on an ephemeral port.
 * Metrics: edge_broker.qos0.ratio_to_mosquitto, edge_broker.qos1.ratio_to_mosquitto
 * (room-broker msgs/s ÷ Mosquitto msgs/s; best of several alternating rounds each).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { createLogger } from '../app/logger';
import { startRoomBroker } from '../broker/process';
import { ensureSecrets } from '../config/secrets';

const MOSQUITTO = process.env.EVALROOM_MOSQUITTO ?? '/usr/sbin/mosquitto';
const COUNT = { 0: Number(process.env.EVALROOM_BENCH_QOS0 ?? 20_000), 1: Number(process.env.EVALROOM_BENCH_QOS1 ?? 10_000) } as const;
const SIZE = 256;
const ROUNDS = 5;
const WINDOW = 100;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

function open(url: string, opts: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = connect(url, { protocolVersion: 4, reconnectPeriod: 0, ...opts });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

interface Side {
  name: string;
  url: string;
  pub: IClientOptions;
  sub: IClientOptions;
  topic: string;
}

/** Messages per second from the first publish to the last delivery. */
async function throughput(side: Side, qos: 0 | 1): Promise<number> {
  const sub = await open(side.url, side.sub);
  const pub = await open(side.url, side.pub);
  try {
    await sub.subscribeAsync(side.topic, { qos });
    const n = COUNT[qos];
    const payload = Buffer.alloc(SIZE, 0x61);
    let got = 0;
    // A stalled run (seen under heavy machine load) counts as a failed round, never as a crash.
    let stalled = false;
    let timer: NodeJS.Timeout | undefined;
    let wake: (() => void) | undefined;
    const done = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        stalled = true;
        resolve();
        wake?.();
      }, 20_000);
      sub.on('message', () => {
        if (++got === n) (clearTimeout(timer), resolve());
      });
    });
    const t0 = performance.now();
    if (qos === 0) {
      for (let i = 0; i < n; i++) {
        pub.publish(side.topic, payload, { qos });
        // Yield now and then so socket writes interleave with deliveries, as a live device would.
        if (i % 500 === 499) await new Promise((r) => setImmediate(r));
      }
    } else {
      // At most WINDOW unacknowledged publishes, so no broker queue limit drops messages.
      let inFlight = 0;
      for (let i = 0; i < n && !stalled; i++) {
        while (inFlight >= WINDOW && !stalled) await new Promise<void>((r) => (wake = r));
        inFlight++;
        pub.publish(side.topic, payload, { qos }, () => {
          inFlight--;
          const w = wake;
          wake = undefined;
          w?.();
        });
      }
    }
    await done;
    if (stalled) {
      process.stderr.write(`bench broker: ${side.name} qos${qos} stalled at ${got}/${n}; round ignored\n`);
      return 0;
    }
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await pub.endAsync(true).catch(() => undefined);
    await sub.endAsync(true).catch(() => undefined);
  }
}

export async function run(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'evalroom-bench-broker-'));
  const logger = createLogger({ level: 'error' });
  let mosquitto: ChildProcess | undefined;
  const room = await (async () => {
    const secrets = await ensureSecrets(join(dir, 'secrets'), ['bench-dev'], { cloud: false });
    const broker = await startRoomBroker({ host: '127.0.0.1', port: 0, usersFile: secrets.usersFile, logger });
    return { broker, secrets };
  })();
  try {
    if (!existsSync(MOSQUITTO)) throw new Error(`${MOSQUITTO} not found`);
    const port = await freePort();
    const conf = join(dir, 'mosquitto.conf');
    writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n# Throughput, not drops, is measured: a deep queue for the burst.\nmax_queued_messages 100000\n`);
    mosquitto = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));

    const topic = 'room/dev/bench-dev/event';
    const roomSide: Side = {
      name: 'room broker',
      url: room.broker.url,
      topic,
      pub: { clientId: 'bench-dev', username: 'bench-dev', password: room.secrets.room.devices['bench-dev'] },
      sub: { clientId: 'appliance', username: 'appliance', password: room.secrets.room.appliance },
    };
    const mosqSide: Side = { name: 'mosquitto', url: `mqtt://127.0.0.1:${port}`, topic, pub: { clientId: 'bench-pub' }, sub: { clientId: 'bench-sub' } };

    const out: Record<string, number> = {};
    for (const qos of [0, 1] as const) {
      let bestRoom = 0;
      let bestMosq = 0;
      for (let r = 0; r < ROUNDS; r++) {
        bestMosq = Math.max(bestMosq, await throughput(mosqSide, qos));
        bestRoom = Math.max(bestRoom, await throughput(roomSide, qos));
      }
      if (bestRoom > 0 && bestMosq > 0) out[`edge_broker.qos${qos}.ratio_to_mosquitto`] = Math.round((bestRoom / bestMosq) * 1000) / 1000;
      out[`edge_broker.qos${qos}.msgs_per_s`] = Math.round(bestRoom);
      out[`edge_broker.qos${qos}.mosquitto_msgs_per_s`] = Math.round(bestMosq);
    }
    return out;
  } finally {
    mosquitto?.kill('SIGTERM');
    await room.broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
