import { ForbiddenException, Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ApiRole } from '@evalroom/contracts';
import type { Caller } from './caller';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';
import { TokensService } from './tokens.service';

/**
 * Global guard: every route needs `Authorization: Bearer <token>` and a `@Roles(...)` list that
 * includes the caller's role; a route without a role list is refused (deny by default).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(TokensService) private readonly tokens: TokensService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; caller?: Caller }>();
    const m = /^Bearer ([A-Za-z0-9._~+/=-]{16,200})$/.exec(req.headers['authorization'] ?? '');
    if (!m) throw new UnauthorizedException('missing or malformed bearer token');
    const caller = await this.tokens.resolve(m[1]!);
    if (!caller) throw new UnauthorizedException('unknown or revoked token');
    const roles = this.reflector.getAllAndOverride<ApiRole[] | undefined>(ROLES_KEY, targets);
    if (!roles || !roles.includes(caller.role)) throw new ForbiddenException(`role ${caller.role} may not use this endpoint`);
    req.caller = caller;
    return true;
  }
}
