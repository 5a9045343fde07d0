import { z } from 'zod';
import { Instant, TopicId } from './common';

/** A PEM block of the given label, bounded so a request cannot be used to ship megabytes. */
const pem = (label: string) =>
  z
    .string()
    .max(16_384)
    .regex(new RegExp(`^-----BEGIN ${label}-----\\r?\\n[A-Za-z0-9+/=\\r\\n]+-----END ${label}-----\\s*$`), `a PEM ${label}`);

/**
 * `POST /v1/appliances/:id/certificate`: a PKCS#10 request made on the appliance with its own
 * new key (CN = applianceId, OU = roomId, PKCS#9 signingTime), signed by that key.
 */
export const CertificateRequestBody = z.object({ csr: pem('CERTIFICATE REQUEST') }).strict();
export type CertificateRequestBody = z.infer<typeof CertificateRequestBody>;

/** The issued client certificate and its chain (leaf first, then the appliance CA). */
export const CertificateIssued = z
  .object({
    applianceId: TopicId,
    serial: z.string().regex(/^[0-9a-f]{2,40}$/),
    fingerprintSha256: z.string().regex(/^[0-9a-f]{64}$/),
    notBefore: Instant,
    notAfter: Instant,
    certificate: pem('CERTIFICATE'),
    caCertificate: pem('CERTIFICATE'),
    chain: z.array(pem('CERTIFICATE')).min(1).max(4),
  })
  .strict();
export type CertificateIssued = z.infer<typeof CertificateIssued>;

/** `POST /v1/appliances/:id/certificate/revoke`: one certificate by serial, or all the appliance's valid ones. */
export const RevokeCertificateBody = z
  .object({
    serial: z.string().regex(/^[0-9a-f]{2,40}$/).optional(),
    reason: z.string().min(1).max(500),
  })
  .strict();
export type RevokeCertificateBody = z.infer<typeof RevokeCertificateBody>;

export const CertificatesRevoked = z
  .object({ applianceId: TopicId, revoked: z.array(z.object({ serial: z.string(), revokedAt: Instant }).strict()) })
  .strict();
export type CertificatesRevoked = z.infer<typeof CertificatesRevoked>;
