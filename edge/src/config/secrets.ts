import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { atomicWriteFileSync } from '../store/atomic';

/** Broker identities besides the devices themselves. */
export const SERVICE_USERS = ['appliance', 'kiosk', 'nodered'] as const;
export type ServiceUser = (typeof SERVICE_USERS)[number];
export type BrokerRole = ServiceUser | 'device';

const Password = z.string().min(16).max(200);

/** <secretsDir>/room-credentials.json: passwords of local room-broker clients (mode 0600). */
export const RoomCredentials = z
  .object({
    v: z.literal(1),
    appliance: Password,
    kiosk: Password,
    nodered: Password,
    devices: z.record(z.string(), Password),
  })
  .strict();
export type RoomCredentials = z.infer<typeof RoomCredentials>;

/** <secretsDir>/room-users.json: what the broker verifies (scrypt hashes only). */
export const BrokerUser = z
  .object({ username: z.string().min(1).max(64), role: z.enum(['appliance', 'kiosk', 'nodered', 'device']), salt: z.string(), hash: z.string() })
  .strict();
export type BrokerUser = z.infer<typeof BrokerUser>;
export const BrokerUsersFile = z.object({ v: z.literal(1), users: z.array(BrokerUser) }).strict();
export type BrokerUsersFile = z.infer<typeof BrokerUsersFile>;

export const CloudCredentials = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(500) }).strict();
export type CloudCredentials = z.infer<typeof CloudCredentials>;

export interface EdgeSecrets {
  room: RoomCredentials;
  /** Bearer token for staff actions over HTTP (kiosk, sim API). */
  staffToken: string;
  usersFile: string;
  cloud?: CloudCredentials;
}

const SCRYPT = { N: 16384, r: 8, p: 1 } as const;

export function scryptHash(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, 32, SCRYPT, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(username: string, role: BrokerRole, password: string): Promise<BrokerUser> {
  const salt = randomBytes(16);
  return { username, role, salt: salt.toString('base64'), hash: (await scryptHash(password, salt)).toString('base64') };
}

export async function verifyPassword(user: BrokerUser, password: string): Promise<boolean> {
  const expected = Buffer.from(user.hash, 'base64');
  const got = await scryptHash(password, Buffer.from(user.salt, 'base64'));
  return got.length === expected.length && timingSafeEqual(got, expected);
}

const newSecret = (): string => randomBytes(24).toString('base64url');

function readJson<S extends z.ZodType>(file: string, schema: S): z.infer<S> {
  const parsed = schema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is invalid: ${parsed.error.issues[0]?.message ?? 'schema'}`);
  return parsed.data;
}

/**
 * Creates the secrets directory (0700) and, on first boot, the passwords of every room-broker
 * identity and the staff token; later boots add passwords for newly configured devices.
 * The broker's user file is rewritten from the credentials each boot.
 */
export async function ensureSecrets(secretsDir: string, deviceIds: string[], options: { cloud: boolean }): Promise<EdgeSecrets> {
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  chmodSync(secretsDir, 0o700);
  const credFile = join(secretsDir, 'room-credentials.json');
  const tokenFile = join(secretsDir, 'staff-token');
  const usersFile = join(secretsDir, 'room-users.json');

  let room: RoomCredentials = existsSync(credFile)
    ? readJson(credFile, RoomCredentials)
    : { v: 1, appliance: newSecret(), kiosk: newSecret(), nodered: newSecret(), devices: {} };
  let changed = !existsSync(credFile);
  const devices = { ...room.devices };
  for (const id of deviceIds) {
    if (!devices[id]) {
      devices[id] = newSecret();
      changed = true;
    }
  }
  room = { ...room, devices };
  if (changed) atomicWriteFileSync(credFile, JSON.stringify(room, null, 2), 0o600);

  if (!existsSync(tokenFile)) atomicWriteFileSync(tokenFile, newSecret() + '\n', 0o600);
  const staffToken = readFileSync(tokenFile, 'utf8').trim();

  const users: BrokerUser[] = [];
  for (const name of SERVICE_USERS) users.push(await hashPassword(name, name, room[name]));
  for (const id of deviceIds) users.push(await hashPassword(id, 'device', room.devices[id]!));
  atomicWriteFileSync(usersFile, JSON.stringify({ v: 1, users } satisfies BrokerUsersFile), 0o600);

  let cloud: CloudCredentials | undefined;
  if (options.cloud) {
    const cloudFile = join(secretsDir, 'cloud.json');
    if (!existsSync(cloudFile)) throw new Error(`cloud is configured but ${cloudFile} ({"username","password"}) is missing`);
    cloud = readJson(cloudFile, CloudCredentials);
  }
  return { room, staffToken, usersFile, cloud };
}
