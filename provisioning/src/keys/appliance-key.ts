import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { CertificateIssued, type CertificateIssued as Issued } from '@evalroom/contracts';
import type { CloudApiClient } from '../api-client';
import { buildCertificateRequest } from './csr';

/** File names in `<dataDir>/secrets/`. */
export const SECRET_FILES = {
  key: 'appliance-key.pem',
  certificate: 'appliance-cert.pem',
  ca: 'ca.pem',
} as const;

export type ApplianceKeyType = 'ec-p256' | 'ed25519';

export interface ApplianceKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A new key pair, made here (on the appliance): the private key never leaves this process but to its file. */
export function generateApplianceKey(type: ApplianceKeyType = 'ec-p256'): ApplianceKeyPair {
  return type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

/**
 * Writes a file created exclusively under a temporary name with its final mode, fsynced, then
 * renamed: a private key is never readable by others, not even for a moment, and a crash leaves
 * the old file or the new one.
 */
export async function writeFileExclusive(file: string, content: string, mode: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await rm(tmp, { force: true });
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(tmp, mode); // the umask may have narrowed it; never widens a key beyond 0600
  await rename(tmp, file);
}

/** The private key as PKCS#8 PEM, mode 0600. */
export const writePrivateKey = (file: string, key: KeyObject): Promise<void> =>
  writeFileExclusive(file, key.export({ format: 'pem', type: 'pkcs8' }) as string, 0o600);

export async function readPrivateKey(file: string): Promise<ApplianceKeyPair> {
  const privateKey = createPrivateKey(await readFile(file));
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/**
 * Sends the appliance's PKCS#10 request (signed now by its own key) to the cloud CA and returns
 * the certificate chain. Only the request — public key and identity — goes over the wire.
 */
export async function requestApplianceCertificate(
  api: CloudApiClient,
  identity: { applianceId: string; roomId: string },
  keys: ApplianceKeyPair,
): Promise<Issued> {
  const csr = buildCertificateRequest({ ...identity, publicKey: keys.publicKey, signingKey: keys.privateKey });
  return api.request('POST', `/v1/appliances/${encodeURIComponent(identity.applianceId)}/certificate`, { csr: csr.pem }, CertificateIssued);
}
