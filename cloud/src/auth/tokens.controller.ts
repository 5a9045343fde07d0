import { Body, Controller, Delete, HttpCode, Inject, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CreateTokenBody, type TokenIssued } from '@evalroom/contracts';
import { AuditService } from '../audit/audit.service';
import { ApiZodBody, ZodPipe, type Infer } from '../http/zod';
import type { Caller } from './caller';
import { CurrentCaller, Roles } from './roles.decorator';
import { TokensService } from './tokens.service';

@ApiTags('access')
@ApiBearerAuth()
@Controller('v1/tokens')
export class TokensController {
  constructor(
    @Inject(TokensService) private readonly tokens: TokensService,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  @Post()
  @Roles('admin')
  @ApiZodBody(CreateTokenBody)
  async issue(@Body(new ZodPipe(CreateTokenBody)) body: Infer<typeof CreateTokenBody>, @CurrentCaller() caller: Caller): Promise<TokenIssued> {
    const issued = await this.tokens.issue(body);
    await this.audit.record(caller, 'token.issue', `token:${issued.tokenId}`, { role: body.role, label: body.label });
    return issued;
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('admin')
  async revoke(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<void> {
    if (!(await this.tokens.revoke(id))) throw new NotFoundException('no such active token');
    await this.audit.record(caller, 'token.revoke', `token:${id}`);
  }
}
