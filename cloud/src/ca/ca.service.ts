import { createHash } from 'node:crypto';
import { BadRequestException, ConflictException, ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { CertificateIssued, CertificatesRevoked } from '@evalroom/contracts';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/caller';
import { canSeeVenue } from '../auth/scope';
import { CA_MATERIAL, type CaMaterial } from './ca-material';
import { CaRepository, type ApplianceScope, type CertificateRow } from './ca.repository';
import { DerError, fromPem, toPem } from './der';
import { makeClientCertificate, newSerial, OID, parseCertificateRequest, RequestError } from './x509';

/** How far a request's signingTime may be from the CA's clock: fresh requests only. */
export const REQUEST_MAX_AGE_MS = 10 * 60_000;
export const CERTIFICATE_VALIDITY_DAYS = 365;

const actorOf = (c: Caller) => `${c.role}:${c.tokenId}`;

/** The appliance CA: checks a request's proof of possession and identity, issues, records, revokes. */
@Injectable()
export class CaService {
  constructor(
    @Inject(CaRepository) private readonly repo: CaRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(CA_MATERIAL) private readonly ca: CaMaterial,
  ) {}

  get caCertificatePem(): string {
    return this.ca.certificatePem;
  }

  async issue(applianceId: string, csrPem: string, caller: Caller, now = new Date()): Promise<CertificateIssued> {
    const appliance = await this.scoped(applianceId, caller);
    let csrDer: Buffer;
    try {
      csrDer = fromPem('CERTIFICATE REQUEST', csrPem);
    } catch (err) {
      throw new BadRequestException(`invalid request: csr: ${(err as DerError).message}`);
    }
    let req;
    try {
      req = parseCertificateRequest(csrDer);
    } catch (err) {
      if (err instanceof RequestError) throw new BadRequestException(`invalid request: csr: ${err.message}`);
      throw err;
    }
    const cn = req.subject.get(OID.commonName);
    if (cn !== applianceId) throw new BadRequestException(`invalid request: csr: subject CN ${JSON.stringify(cn ?? null)} is not appliance ${applianceId}`);
    const ou = req.subject.get(OID.organizationalUnit);
    if (ou !== appliance.roomId) throw new BadRequestException(`invalid request: csr: subject OU ${JSON.stringify(ou ?? null)} is not the appliance's room ${appliance.roomId}`);
    if (!req.signingTime) throw new BadRequestException('invalid request: csr: signingTime attribute missing');
    if (Math.abs(now.getTime() - req.signingTime.getTime()) > REQUEST_MAX_AGE_MS) {
      throw new BadRequestException(`invalid request: csr: signed at ${req.signingTime.toISOString()}, not within ${REQUEST_MAX_AGE_MS / 60_000} min of now`);
    }
    const publicKeySha256 = createHash('sha256').update(req.spki).digest('hex');
    if (await this.repo.keyUsedElsewhere(publicKeySha256, applianceId)) throw new ConflictException('this public key is certified for another appliance');

    const serial = newSerial();
    const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - 5 * 60_000);
    const yearOn = new Date(notBefore.getTime() + 5 * 60_000 + CERTIFICATE_VALIDITY_DAYS * 86_400_000);
    const notAfter = yearOn < this.ca.notAfter ? yearOn : this.ca.notAfter;
    const certDer = makeClientCertificate(
      { applianceId, roomId: appliance.roomId, spki: req.spki, issuerName: this.ca.subject, issuerKeyId: this.ca.keyId, notBefore, notAfter, serial },
      this.ca.key,
    );
    const pem = toPem('CERTIFICATE', certDer);
    const issued = {
      serial: serial.toString('hex'),
      fingerprintSha256: createHash('sha256').update(certDer).digest('hex'),
      notBefore,
      notAfter,
    };
    await this.repo.transaction(async (tx) => {
      // one valid certificate per appliance: a new key (re-enrolment, replaced box) retires the old one
      const superseded = await this.repo.revoke(applianceId, undefined, actorOf(caller), 'superseded', tx);
      await this.repo.insert({ ...issued, applianceId, publicKeySha256, issuedBy: actorOf(caller), pem }, tx);
      await this.audit.record(
        caller,
        'appliance.certificate.issue',
        `appliance:${applianceId}`,
        { serial: issued.serial, fingerprintSha256: issued.fingerprintSha256, notAfter: notAfter.toISOString(), superseded: superseded.map((s) => s.serial) },
        tx,
      );
    });
    return {
      applianceId,
      serial: issued.serial,
      fingerprintSha256: issued.fingerprintSha256,
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
      certificate: pem,
      caCertificate: this.ca.certificatePem,
      chain: [pem, this.ca.certificatePem],
    };
  }

  async revoke(applianceId: string, serial: string | undefined, reason: string, caller: Caller): Promise<CertificatesRevoked> {
    if (!(await this.repo.findAppliance(applianceId))) throw new NotFoundException(`no appliance ${applianceId}`);
    const revoked = await this.repo.transaction(async (tx) => {
      const rows = await this.repo.revoke(applianceId, serial, actorOf(caller), reason, tx);
      if (serial && !rows.length) throw new NotFoundException(`appliance ${applianceId} has no valid certificate ${serial}`);
      if (rows.length) await this.audit.record(caller, 'appliance.certificate.revoke', `appliance:${applianceId}`, { serials: rows.map((r) => r.serial), reason }, tx);
      return rows;
    });
    return { applianceId, revoked: revoked.map((r) => ({ serial: r.serial, revokedAt: new Date(r.revokedAt).toISOString() })) };
  }

  async list(applianceId: string, caller: Caller): Promise<CertificateRow[]> {
    await this.scoped(applianceId, caller);
    return this.repo.list(applianceId);
  }

  /** The appliance, if it exists and the caller may act on it (technicians: their venues / jurisdiction). */
  private async scoped(applianceId: string, caller: Caller): Promise<ApplianceScope> {
    const appliance = await this.repo.findAppliance(applianceId);
    if (!appliance) throw new NotFoundException(`no appliance ${applianceId}`);
    if (caller.role !== 'admin' && !canSeeVenue(caller, { id: appliance.venueId, regionCode: appliance.regionCode })) {
      throw new ForbiddenException('appliance outside your scope');
    }
    return appliance;
  }
}
