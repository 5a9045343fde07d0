import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { ApiRole } from '@evalroom/contracts';
import type { Caller } from './caller';

export const ROLES_KEY = 'evalroom:roles';
export const PUBLIC_KEY = 'evalroom:public';

/** Roles allowed on a handler or controller. Handlers without it are denied (deny by default). */
export const Roles = (...roles: ApiRole[]) => SetMetadata(ROLES_KEY, roles);

/** Marks a handler reachable without a token (health only). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** Injects the authenticated `Caller` into a controller method parameter. */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  const req = ctx.switchToHttp().getRequest<{ caller?: Caller }>();
  if (!req.caller) throw new Error('CurrentCaller used on a route without AuthGuard');
  return req.caller;
});
