import { sign, type KeyObject } from 'node:crypto';
import * as der from './der';

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ed25519: '1.3.101.112',
  signingTime: '1.2.840.113549.1.9.5',
} as const;

export interface CertificateRequestInput {
  applianceId: string;
  roomId: string;
  /** The key the certificate is for (its public half goes into the request). */
  publicKey: KeyObject;
  /** The key that signs the request: the private half of `publicKey` (proof of possession). */
  signingKey: KeyObject;
  /** PKCS#9 signingTime; the CA accepts only fresh requests. */
  signingTime?: Date;
}

/**
 * A PKCS#10 certificate request (RFC 2986): subject O=evalroom, OU=roomId, CN=applianceId,
 * a signingTime attribute, signed with ECDSA-SHA256/384 or Ed25519. Returns DER and PEM.
 */
export function buildCertificateRequest(input: CertificateRequestInput): { der: Buffer; pem: string } {
  const { digest, algOid } = algorithmFor(input.signingKey);
  const subject = der.seq(
    ...([
      [OID.organization, 'evalroom'],
      [OID.organizationalUnit, input.roomId],
      [OID.commonName, input.applianceId],
    ] as const).map(([o, v]) => der.setOf(der.seq(der.oid(o), der.utf8(v)))),
  );
  const spki = input.publicKey.export({ format: 'der', type: 'spki' });
  const signingTime = der.seq(der.oid(OID.signingTime), der.setOf(der.time(input.signingTime ?? new Date())));
  // attributes [0] IMPLICIT SET OF Attribute
  const info = der.seq(der.int0(), subject, spki, der.tlv(0xa0, signingTime));
  const signature = sign(digest, info, { key: input.signingKey, dsaEncoding: 'der' });
  const csr = der.seq(info, der.seq(der.oid(algOid)), der.bits(signature));
  return { der: csr, pem: der.toPem('CERTIFICATE REQUEST', csr) };
}

function algorithmFor(key: KeyObject): { digest: string | null; algOid: string } {
  if (key.asymmetricKeyType === 'ed25519') return { digest: null, algOid: OID.ed25519 };
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return { digest: 'sha256', algOid: OID.ecdsaWithSha256 };
    if (curve === 'secp384r1') return { digest: 'sha384', algOid: OID.ecdsaWithSha384 };
  }
  throw new Error(`appliance keys are EC P-256/P-384 or Ed25519, not ${key.asymmetricKeyType}`);
}
