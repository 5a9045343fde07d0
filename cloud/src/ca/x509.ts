// X.509 v3 certificates and PKCS#10 requests for appliances (RFC 5280, RFC 2986), built with der.ts.
import { createHash, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import * as der from './der';
import { DerError, Tag, type DerNode } from './der';

export const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  ed25519: '1.3.101.112',
  signingTime: '1.2.840.113549.1.9.5',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** The SAN URI that names an appliance in its certificate. */
export const applianceUri = (applianceId: string): string => `urn:evalroom:appliance:${applianceId}`;

export type NameAttr = [oid: string, value: string];

/** A Name: one attribute per RDN, in the order given (most significant first). */
export function encodeName(attrs: NameAttr[]): Buffer {
  return der.seq(...attrs.map(([o, v]) => der.setOf(der.seq(der.oid(o), der.utf8(v)))));
}

/** Signature algorithm and how node:crypto signs/verifies with it, by key type. */
interface SigAlg {
  oid: string;
  algId: Buffer;
  digest: string | null;
}

function sigAlgFor(key: KeyObject): SigAlg {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return { oid: OID.ecdsaWithSha256, algId: der.seq(der.oid(OID.ecdsaWithSha256)), digest: 'sha256' };
    if (curve === 'secp384r1') return { oid: OID.ecdsaWithSha384, algId: der.seq(der.oid(OID.ecdsaWithSha384)), digest: 'sha384' };
    throw new Error(`unsupported EC curve ${curve}`);
  }
  if (type === 'ed25519') return { oid: OID.ed25519, algId: der.seq(der.oid(OID.ed25519)), digest: null };
  if (type === 'rsa') return { oid: OID.sha256WithRsa, algId: der.seq(der.oid(OID.sha256WithRsa), der.nul()), digest: 'sha256' };
  throw new Error(`unsupported key type ${type}`);
}

function digestForAlg(oid: string): string | null | undefined {
  switch (oid) {
    case OID.ecdsaWithSha256:
    case OID.sha256WithRsa:
      return 'sha256';
    case OID.ecdsaWithSha384:
      return 'sha384';
    case OID.ed25519:
      return null;
    default:
      return undefined;
  }
}

/** The SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2 method 1). */
export function keyIdentifier(spkiDer: Buffer): Buffer {
  const spki = der.expectTag(der.decode(spkiDer), Tag.SEQUENCE, 'SubjectPublicKeyInfo');
  return createHash('sha1').update(der.readBits(spki.children[1]!)).digest();
}

const extension = (oid: string, critical: boolean, value: Buffer): Buffer =>
  der.seq(der.oid(oid), ...(critical ? [der.bool(true)] : []), der.octets(value));

/** keyUsage bits: digitalSignature = 0, keyCertSign = 5, cRLSign = 6. */
function keyUsage(bitsSet: number[]): Buffer {
  let byte = 0;
  for (const b of bitsSet) byte |= 0x80 >> b;
  let unused = 0;
  while (unused < 7 && !(byte & (1 << unused))) unused++;
  return der.bits(Buffer.from([byte]), unused);
}

export interface CertificateTemplate {
  serial: Buffer;
  issuer: Buffer;
  subject: Buffer;
  spki: Buffer;
  notBefore: Date;
  notAfter: Date;
  extensions: Buffer[];
}

/** Signs a TBSCertificate with the issuer's key and wraps it into a Certificate (DER). */
export function signCertificate(t: CertificateTemplate, issuerKey: KeyObject): Buffer {
  const alg = sigAlgFor(issuerKey);
  const tbs = der.seq(
    der.explicit(0, der.int(2)),
    der.int(t.serial),
    alg.algId,
    t.issuer,
    der.seq(der.time(t.notBefore), der.time(t.notAfter)),
    t.subject,
    t.spki,
    der.explicit(3, der.seq(...t.extensions)),
  );
  const signature = sign(alg.digest, tbs, { key: issuerKey, dsaEncoding: 'der' });
  return der.seq(tbs, alg.algId, der.bits(signature));
}

/** A positive 128-bit serial with its top bit clear, so its DER INTEGER is exactly 16 bytes. */
export function newSerial(): Buffer {
  const s = randomBytes(16);
  s[0] = (s[0]! & 0x7f) | 0x40;
  return s;
}

/** A self-signed CA certificate for the appliance CA. */
export function makeCaCertificate(key: KeyObject, publicKey: KeyObject, subject: NameAttr[], now: Date, years: number): Buffer {
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const name = encodeName(subject);
  const ski = keyIdentifier(spki);
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + years);
  return signCertificate(
    {
      serial: newSerial(),
      issuer: name,
      subject: name,
      spki,
      notBefore: new Date(now.getTime() - 5 * 60_000),
      notAfter,
      extensions: [
        extension(OID.basicConstraints, true, der.seq(der.bool(true), der.int(0))),
        extension(OID.keyUsage, true, keyUsage([0, 5, 6])),
        extension(OID.subjectKeyIdentifier, false, der.octets(ski)),
      ],
    },
    key,
  );
}

export interface ClientCertificateInput {
  applianceId: string;
  roomId: string;
  spki: Buffer;
  issuerName: Buffer;
  issuerKeyId: Buffer;
  notBefore: Date;
  notAfter: Date;
  serial: Buffer;
}

/** An appliance's client certificate: CN = applianceId, SAN URI, digitalSignature, clientAuth. */
export function makeClientCertificate(input: ClientCertificateInput, caKey: KeyObject): Buffer {
  return signCertificate(
    {
      serial: input.serial,
      issuer: input.issuerName,
      subject: encodeName([
        [OID.organization, 'evalroom'],
        [OID.organizationalUnit, input.roomId],
        [OID.commonName, input.applianceId],
      ]),
      spki: input.spki,
      notBefore: input.notBefore,
      notAfter: input.notAfter,
      extensions: [
        extension(OID.basicConstraints, true, der.seq()),
        extension(OID.keyUsage, true, keyUsage([0])),
        extension(OID.extKeyUsage, false, der.seq(der.oid(OID.clientAuth))),
        extension(OID.subjectAltName, false, der.seq(der.implicitPrimitive(6, Buffer.from(applianceUri(input.applianceId), 'ascii')))),
        extension(OID.subjectKeyIdentifier, false, der.octets(keyIdentifier(input.spki))),
        extension(OID.authorityKeyIdentifier, false, der.seq(der.implicitPrimitive(0, input.issuerKeyId))),
      ],
    },
    caKey,
  );
}

/** The parts of a certificate the CA needs from its own (possibly operator-supplied) CA certificate. */
export interface CertificateParts {
  subject: Buffer;
  spki: Buffer;
  notAfter: Date;
}

export function certificateParts(certDer: Buffer): CertificateParts {
  const cert = der.expectTag(der.decode(certDer), Tag.SEQUENCE, 'Certificate');
  const tbs = der.expectTag(cert.children[0], Tag.SEQUENCE, 'TBSCertificate');
  const f = tbs.children[0]?.tag === 0xa0 ? tbs.children.slice(1) : tbs.children;
  // serial, signature, issuer, validity, subject, spki
  const validity = der.expectTag(f[3], Tag.SEQUENCE, 'validity');
  return {
    subject: der.expectTag(f[4], Tag.SEQUENCE, 'subject').raw,
    spki: der.expectTag(f[5], Tag.SEQUENCE, 'subjectPublicKeyInfo').raw,
    notAfter: der.readTime(validity.children[1]!),
  };
}

// ------------------------------------------------------------------ PKCS#10

export interface ParsedRequest {
  /** Subject attributes by OID (last value wins). */
  subject: Map<string, string>;
  spki: Buffer;
  publicKey: KeyObject;
  signingTime?: Date;
}

export class RequestError extends Error {}

/**
 * Parses a PKCS#10 request and checks its proof of possession: the request must be signed by
 * the private key of the public key it carries. Accepts EC P-256/P-384 and Ed25519 keys.
 */
export function parseCertificateRequest(csrDer: Buffer): ParsedRequest {
  let node: DerNode;
  try {
    node = der.expectTag(der.decode(csrDer), Tag.SEQUENCE, 'CertificationRequest');
    const info = der.expectTag(node.children[0], Tag.SEQUENCE, 'certificationRequestInfo');
    const alg = der.expectTag(node.children[1], Tag.SEQUENCE, 'signatureAlgorithm');
    const signature = der.readBits(der.expectTag(node.children[2], Tag.BIT_STRING, 'signature'));
    const version = der.expectTag(info.children[0], Tag.INTEGER, 'version');
    if (version.content.length !== 1 || version.content[0] !== 0) throw new RequestError('unsupported request version');
    const subjectNode = der.expectTag(info.children[1], Tag.SEQUENCE, 'subject');
    const spkiNode = der.expectTag(info.children[2], Tag.SEQUENCE, 'subjectPKInfo');
    const subject = new Map<string, string>();
    for (const rdn of subjectNode.children) {
      for (const atv of der.expectTag(rdn, Tag.SET, 'RDN').children) {
        subject.set(der.readOid(der.expectTag(atv.children[0], Tag.OID, 'attribute type')), der.readString(atv.children[1]!));
      }
    }
    let signingTime: Date | undefined;
    const attrs = info.children[3];
    if (attrs) {
      if (attrs.tag !== 0xa0) throw new RequestError('attributes: expected [0]');
      for (const attr of attrs.children) {
        const type = der.readOid(der.expectTag(attr.children[0], Tag.OID, 'attribute type'));
        if (type === OID.signingTime) signingTime = der.readTime(der.expectTag(attr.children[1], Tag.SET, 'values').children[0]!);
      }
    }
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey({ key: spkiNode.raw, format: 'der', type: 'spki' });
    } catch (err) {
      throw new RequestError(`unreadable public key: ${(err as Error).message}`);
    }
    const keyType = publicKey.asymmetricKeyType;
    const curve = publicKey.asymmetricKeyDetails?.namedCurve;
    if (!(keyType === 'ed25519' || (keyType === 'ec' && (curve === 'prime256v1' || curve === 'secp384r1')))) {
      throw new RequestError(`key type ${keyType}${curve ? ` ${curve}` : ''} not accepted (EC P-256/P-384 or Ed25519)`);
    }
    const algOid = der.readOid(der.expectTag(alg.children[0], Tag.OID, 'algorithm'));
    const digest = digestForAlg(algOid);
    if (digest === undefined || (keyType === 'ed25519') !== (algOid === OID.ed25519) || algOid === OID.sha256WithRsa) {
      throw new RequestError(`signature algorithm ${algOid} does not fit a ${keyType} key`);
    }
    if (!verify(digest, info.raw, { key: publicKey, dsaEncoding: 'der' }, signature)) {
      throw new RequestError('request signature does not verify with its public key (no proof of possession)');
    }
    return { subject, spki: spkiNode.raw, publicKey, signingTime };
  } catch (err) {
    if (err instanceof RequestError) throw err;
    if (err instanceof DerError) throw new RequestError(`malformed request: ${err.message}`);
    throw new RequestError(`unreadable request: ${(err as Error).message}`);
  }
}
