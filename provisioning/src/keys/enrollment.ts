import { X509Certificate } from 'node:crypto';
import { access, chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { CloudApiClient } from '../api-client';
import { generateApplianceKey, readPrivateKey, requestApplianceCertificate, SECRET_FILES, writeFileExclusive, writePrivateKey, type ApplianceKeyPair, type ApplianceKeyType } from './appliance-key';

export interface CertificateOptions {
  api: CloudApiClient;
  applianceId: string;
  roomId: string;
  /** `<dataDir>/secrets` (created 0700). */
  secretsDir: string;
  /** Keep the key already in `appliance-key.pem` (certificate renewal); default: make a new one. */
  reuseKey?: boolean;
  keyType?: ApplianceKeyType;
}

export interface ApplianceCertificate {
  serial: string;
  notAfter: string;
  fingerprintSha256: string;
  keyFile: string;
  certificateFile: string;
  caFile: string;
}

export class CertificateMismatch extends Error {}

/**
 * Makes (or reuses) the appliance's key pair here, on the appliance, writes the private key 0600,
 * gets a client certificate from the cloud CA for it and stores certificate and CA certificate
 * next to it — after checking the certificate is for this key and this appliance, and signed by
 * the CA it came with.
 */
export async function obtainApplianceCertificate(o: CertificateOptions): Promise<ApplianceCertificate> {
  await mkdir(o.secretsDir, { recursive: true, mode: 0o700 });
  await chmod(o.secretsDir, 0o700);
  const keyFile = path.join(o.secretsDir, SECRET_FILES.key);
  let keys: ApplianceKeyPair;
  if (o.reuseKey && (await exists(keyFile))) {
    keys = await readPrivateKey(keyFile);
  } else {
    keys = generateApplianceKey(o.keyType);
    // on disk before anything is sent: a certificate is only ever issued for a key the box keeps
    await writePrivateKey(keyFile, keys.privateKey);
  }
  const issued = await requestApplianceCertificate(o.api, { applianceId: o.applianceId, roomId: o.roomId }, keys);

  const cert = new X509Certificate(issued.certificate);
  const ca = new X509Certificate(issued.caCertificate);
  const mine = keys.publicKey.export({ format: 'der', type: 'spki' });
  if (!cert.publicKey.export({ format: 'der', type: 'spki' }).equals(mine)) throw new CertificateMismatch('the certificate the cloud returned is not for this appliance key');
  if (!cert.subject.split('\n').includes(`CN=${o.applianceId}`)) throw new CertificateMismatch(`the certificate names ${cert.subject.replace(/\n/g, ', ')}, not ${o.applianceId}`);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) throw new CertificateMismatch('the certificate is not signed by the CA certificate it came with');

  const certificateFile = path.join(o.secretsDir, SECRET_FILES.certificate);
  const caFile = path.join(o.secretsDir, SECRET_FILES.ca);
  await writeFileExclusive(certificateFile, issued.certificate, 0o644);
  await writeFileExclusive(caFile, issued.caCertificate, 0o644);
  return { serial: issued.serial, notAfter: issued.notAfter, fingerprintSha256: issued.fingerprintSha256, keyFile, certificateFile, caFile };
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
