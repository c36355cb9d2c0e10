import type { FastifyRequest } from 'fastify';
import { authorizeTenant, type TenantAction, type TenantScope } from '../auth/tenant-access.js';
import { RegistryError } from '../registry-error.js';
import { principalOf } from './require-role.js';

type ScopedRequest = FastifyRequest & { tenantScope?: TenantScope };

/**
 * Route hook for `/v1/tenants/{tenantId}/…`: decides who may act for the tenant before the body is
 * read or validated, so another tenant's routes answer 404 whatever is sent to them.
 */
export function tenantHook(action: TenantAction) {
  return async (request: FastifyRequest): Promise<void> => {
    const { tenantId } = request.params as { tenantId?: string };
    (request as ScopedRequest).tenantScope = authorizeTenant(principalOf(request), tenantId ?? '', action);
  };
}

/** The tenant a route acts for (set by tenantHook). */
export function scopeOf(request: FastifyRequest): TenantScope {
  const scope = (request as ScopedRequest).tenantScope;
  if (!scope) throw new RegistryError('UNAUTHORIZED', 'an API key is required: Authorization: Bearer <key>');
  return scope;
}
