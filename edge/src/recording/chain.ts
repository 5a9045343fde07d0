import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { ChainEntry, Checkpoint } from '@evalroom/contracts';

export const GENESIS_LINK = '0'.repeat(64);

/** The appliance's public key, kept beside the journal so a recording directory verifies on its own. */
export const PUBLIC_KEY_FILE = 'appliance-ed25519.pub.pem';

/** JSON with object keys sorted at every level, so the same facts always hash the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export type UnlinkedEntry = ChainEntry extends infer E ? (E extends ChainEntry ? Omit<E, 'link'> : never) : never;

/** The link covers the previous link and every field of the entry (segment hash, times, session…). */
export function computeLink(entry: UnlinkedEntry | ChainEntry): string {
  const { link: _ignored, ...body } = entry as ChainEntry;
  return sha256Hex(`${body.prevLink}\n${canonicalJson(body)}`);
}

export function linkEntry(entry: UnlinkedEntry): ChainEntry {
  return { ...entry, link: computeLink(entry) } as ChainEntry;
}

/** The appliance's Ed25519 key, used for checkpoints and bundle manifests. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  /** sha256 of the DER SubjectPublicKeyInfo. */
  keyId: string;
}

export function keyFromPrivate(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKey, publicKeyPem, keyId: keyIdOf(publicKey) };
}

export function keyIdOf(publicKey: KeyObject): string {
  return sha256Hex(publicKey.export({ type: 'spki', format: 'der' }));
}

/**
 * Loads the PKCS#8 PEM key at `keyPath`, or creates one there (mode 0600) when absent, so
 * provisioning can supply its own key by writing the file first.
 */
export async function loadOrCreateSigningKey(keyPath: string): Promise<SigningKey> {
  try {
    const pem = await fsp.readFile(keyPath, 'utf8');
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${keyPath}: not an Ed25519 key`);
    return keyFromPrivate(key);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await fsp.mkdir(path.dirname(keyPath), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // 'wx' so two starting processes never overwrite each other's key.
  try {
    await fsp.writeFile(keyPath, pem, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSigningKey(keyPath);
    throw err;
  }
  return keyFromPrivate(privateKey);
}

export function checkpointBody(cp: Checkpoint): Omit<Checkpoint, 'sig'> {
  const { sig: _sig, ...body } = cp;
  return body;
}

export function signCheckpoint(key: SigningKey, cp: Omit<Checkpoint, 'sig' | 'keyId'>): Checkpoint {
  const withKey = { ...cp, keyId: key.keyId } as Checkpoint;
  const sig = sign(null, Buffer.from(canonicalJson(checkpointBody(withKey))), key.privateKey).toString('base64');
  return { ...withKey, sig };
}

export function verifyCheckpointSignature(publicKey: KeyObject, cp: Checkpoint): boolean {
  if (!cp.sig) return false;
  try {
    return verify(null, Buffer.from(canonicalJson(checkpointBody(cp))), publicKey, Buffer.from(cp.sig, 'base64'));
  } catch {
    return false;
  }
}

export function signBytes(key: SigningKey, data: Buffer): string {
  return sign(null, data, key.privateKey).toString('base64');
}

export function verifyBytes(publicKey: KeyObject, data: Buffer, sigB64: string): boolean {
  try {
    return verify(null, data, publicKey, Buffer.from(sigB64.trim(), 'base64'));
  } catch {
    return false;
  }
}
