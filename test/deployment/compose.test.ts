// docker-compose.yml cannot run here (no Docker engine), so it is validated structurally:
// every reference resolves, no secret is written in clear, and the room's config file is one
// the edge accepts.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { EdgeConfig } from '@evalroom/contracts';

const root = path.resolve(__dirname, '..', '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'));

const Healthcheck = z.object({ test: z.array(z.string()).min(2) }).passthrough();
const Service = z
  .object({
    image: z.string().min(1),
    build: z.object({ context: z.string(), dockerfile: z.string() }).strict().optional(),
    environment: z.record(z.string(), z.string()).optional(),
    volumes: z.array(z.string()).optional(),
    ports: z.array(z.string()).optional(),
    depends_on: z.record(z.string(), z.object({ condition: z.enum(['service_healthy', 'service_started']) })).optional(),
    healthcheck: Healthcheck,
    restart: z.string().optional(),
    command: z.array(z.string()).optional(),
    deploy: z.object({ replicas: z.number().int().positive() }).optional(),
  })
  .strict();
const Compose = z
  .object({ name: z.string(), services: z.record(z.string(), Service), volumes: z.record(z.string(), z.null()) })
  .strict();

describe('docker-compose.yml', () => {
  const parsed = Compose.safeParse(compose);

  it('has the shape compose expects, with a healthcheck on every service', () => {
    if (!parsed.success) throw new Error(parsed.error.message);
    expect(Object.keys(parsed.data.services).sort()).toEqual(['cloud', 'mqtt', 'objectstore', 'room-sim', 'timescaledb']);
  });

  it('resolves every dependency, named volume, Dockerfile and mounted file', () => {
    const { services, volumes } = Compose.parse(compose);
    for (const [name, svc] of Object.entries(services)) {
      for (const dep of Object.keys(svc.depends_on ?? {})) expect({ name, dep, ok: dep in services }).toEqual({ name, dep, ok: true });
      if (svc.build) expect(existsSync(path.join(root, svc.build.context, svc.build.dockerfile))).toBe(true);
      for (const v of svc.volumes ?? []) {
        const [source] = v.split(':');
        if (source!.startsWith('.')) expect({ v, exists: existsSync(path.join(root, source!)) }).toEqual({ v, exists: true });
        else expect({ v, declared: source! in volumes }).toEqual({ v, declared: true });
      }
    }
  });

  it('takes every secret from the environment, never in clear', () => {
    const { services } = Compose.parse(compose);
    const secretKey = /PASSWORD|SECRET|TOKEN|ACCESS_KEY/;
    for (const [name, svc] of Object.entries(services)) {
      for (const [key, value] of Object.entries(svc.environment ?? {})) {
        if (!secretKey.test(key) || key === 'MQTT_USERNAME') continue;
        expect({ name, key, fromEnv: /^\$\{[A-Z_]+:\?[^}]+\}$/.test(value) }).toEqual({ name, key, fromEnv: true });
      }
      const url = svc.environment?.DATABASE_URL;
      if (url) expect(url).toMatch(/:\$\{POSTGRES_PASSWORD:\?[^}]+\}@/);
    }
  });

  it('points the cloud at TimescaleDB and the broker, and the room at the cloud', () => {
    const { services } = Compose.parse(compose);
    expect(services.cloud!.environment!.DATABASE_URL).toMatch(/@timescaledb:5432\//);
    expect(services.cloud!.environment!.MQTT_URL).toBe('mqtt://mqtt:1883');
    const roomConfig = EdgeConfig.parse(JSON.parse(readFileSync(path.join(root, 'images/edge/room-sim.json'), 'utf8')));
    expect(roomConfig.cloud?.mqttUrl).toBe('mqtt://mqtt:1883');
    expect(roomConfig.devices.map((d) => d.kind).sort()).toEqual(['camera', 'camera', 'gate', 'idreader', 'locker', 'tablet']);
  });

  it('keeps the cloud broker closed to anonymous clients', () => {
    const conf = readFileSync(path.join(root, 'images/mosquitto/mosquitto.conf'), 'utf8');
    const anonymous = conf.split('\n').filter((l) => l.startsWith('allow_anonymous'));
    expect(anonymous.length).toBeGreaterThan(0);
    expect(anonymous.every((l) => l.trim() === 'allow_anonymous false')).toBe(true);
  });
});
