import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CertificateRequestBody, RevokeCertificateBody, type CertificateIssued, type CertificatesRevoked } from '@evalroom/contracts';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/roles.decorator';
import { ApiZodBody, ZodPipe, type Infer } from '../http/zod';
import { CaService } from './ca.service';

/** Appliance client certificates, issued by the cloud's appliance CA. */
@ApiTags('appliances')
@ApiBearerAuth()
@Controller('v1/appliances')
export class CaController {
  constructor(@Inject(CaService) private readonly ca: CaService) {}

  /** Signs the appliance's PKCS#10 request (made on the box with its own key) → certificate chain. */
  @Post(':id/certificate')
  @Roles('admin', 'technician')
  @ApiZodBody(CertificateRequestBody)
  issue(@Param('id') id: string, @Body(new ZodPipe(CertificateRequestBody)) body: Infer<typeof CertificateRequestBody>, @CurrentCaller() caller: Caller): Promise<CertificateIssued> {
    return this.ca.issue(id, body.csr, caller);
  }

  @Post(':id/certificate/revoke')
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(RevokeCertificateBody)
  revoke(@Param('id') id: string, @Body(new ZodPipe(RevokeCertificateBody)) body: Infer<typeof RevokeCertificateBody>, @CurrentCaller() caller: Caller): Promise<CertificatesRevoked> {
    return this.ca.revoke(id, body.serial, body.reason, caller);
  }

  /** Every certificate issued to the appliance, newest first, with revocation state. */
  @Get(':id/certificates')
  @Roles('admin', 'central_ops', 'technician')
  async list(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    const rows = await this.ca.list(id, caller);
    return rows.map((r) => ({
      serial: r.serial,
      fingerprintSha256: r.fingerprintSha256,
      notBefore: new Date(r.notBefore).toISOString(),
      notAfter: new Date(r.notAfter).toISOString(),
      issuedAt: new Date(r.issuedAt).toISOString(),
      issuedBy: r.issuedBy,
      revokedAt: r.revokedAt ? new Date(r.revokedAt).toISOString() : null,
      revokeReason: r.revokeReason,
    }));
  }
}
