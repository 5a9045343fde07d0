import { createPrivateKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { toPem } from './der';
import { certificateParts, keyIdentifier, makeCaCertificate, OID } from './x509';

/** The appliance CA: its key, its certificate and the parts issuance needs. */
export interface CaMaterial {
  key: KeyObject;
  certificate: X509Certificate;
  certificatePem: string;
  subject: Buffer;
  keyId: Buffer;
  notAfter: Date;
  /** Where it came from, for the start-up log: 'generated', 'data dir' or 'env'. */
  source: 'generated' | 'data dir' | 'env';
}

export const CA_MATERIAL = Symbol('CA_MATERIAL');

/** The CA's own environment (kept here so the CA stays one module). */
export const CaEnv = z.object({
  EVALROOM_CA_KEY_FILE: z.string().min(1).optional(),
  EVALROOM_CA_CERT_FILE: z.string().min(1).optional(),
});

export class CaConfigError extends Error {}

/**
 * The CA key and certificate from EVALROOM_CA_KEY_FILE / EVALROOM_CA_CERT_FILE (both or neither),
 * else from `<dataDir>/ca/`, generated there on first boot (key 0600, dir 0700).
 */
export function loadOrCreateCa(opts: { dataDir: string; env?: NodeJS.ProcessEnv; now?: Date }): CaMaterial {
  const env = CaEnv.safeParse(opts.env ?? {});
  if (!env.success) throw new CaConfigError(`invalid CA environment: ${env.error.message}`);
  const { EVALROOM_CA_KEY_FILE: keyFile, EVALROOM_CA_CERT_FILE: certFile } = env.data;
  if (!!keyFile !== !!certFile) throw new CaConfigError('set both EVALROOM_CA_KEY_FILE and EVALROOM_CA_CERT_FILE, or neither');
  if (keyFile && certFile) return fromFiles(keyFile, certFile, 'env');

  const dir = join(opts.dataDir, 'ca');
  const kf = join(dir, 'ca-key.pem');
  const cf = join(dir, 'ca.pem');
  if (existsSync(kf) && existsSync(cf)) return fromFiles(kf, cf, 'data dir');
  if (existsSync(kf) !== existsSync(cf)) throw new CaConfigError(`${dir} holds only one of ca-key.pem and ca.pem: restore the other, or remove both to start a new CA`);

  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const certDer = makeCaCertificate(privateKey, publicKey, [[OID.organization, 'evalroom'], [OID.commonName, 'evalroom appliance CA']], opts.now ?? new Date(), 10);
  // 'wx': two processes racing on the same data dir never overwrite each other's key
  writeFileSync(kf, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600, flag: 'wx' });
  chmodSync(kf, 0o600);
  writeFileSync(cf, toPem('CERTIFICATE', certDer), { mode: 0o644, flag: 'wx' });
  return { ...fromFiles(kf, cf, 'generated') };
}

function fromFiles(keyFile: string, certFile: string, source: CaMaterial['source']): CaMaterial {
  let key: KeyObject;
  let certificate: X509Certificate;
  try {
    key = createPrivateKey(readFileSync(keyFile));
  } catch (err) {
    throw new CaConfigError(`CA key ${keyFile}: ${(err as Error).message}`);
  }
  try {
    certificate = new X509Certificate(readFileSync(certFile));
  } catch (err) {
    throw new CaConfigError(`CA certificate ${certFile}: ${(err as Error).message}`);
  }
  if (!certificate.ca) throw new CaConfigError(`${certFile} is not a CA certificate (basicConstraints CA:TRUE missing)`);
  if (!certificate.checkPrivateKey(key)) throw new CaConfigError(`${keyFile} is not the key of ${certFile}`);
  const parts = certificateParts(certificate.raw);
  return {
    key,
    certificate,
    certificatePem: toPem('CERTIFICATE', certificate.raw),
    subject: parts.subject,
    keyId: keyIdentifier(parts.spki),
    notAfter: parts.notAfter,
    source,
  };
}
