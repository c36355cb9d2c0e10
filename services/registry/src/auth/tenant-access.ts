import { TENANT_ID_RE } from '@annex/db';
import { RegistryError } from '../registry-error.js';
import type { Principal } from './principal.js';

declare const scopeBrand: unique symbol;

/** A tenant the caller was found to act for; services take this, never a bare tenant id. */
export interface TenantScope {
  readonly tenantId: string;
  readonly principal: Principal;
  readonly [scopeBrand]: true;
}

/**
 * `manage`: installs, secrets and the execution log (admin, or the tenant's own key). `call`:
 * resolve and gateway calls (also gateway keys, for any tenant).
 */
export type TenantAction = 'manage' | 'call';

/**
 * Decides whether `principal` may act for `tenantId`. Another tenant's data does not exist for a
 * tenant key (404, the same answer whether that tenant exists or not); roles that never act for
 * tenants get 403.
 */
export function authorizeTenant(principal: Principal, tenantId: string, action: TenantAction): TenantScope {
  const scope = { tenantId, principal } as TenantScope;
  switch (principal.role) {
    case 'admin':
      break;
    case 'tenant':
      if (principal.tenantId !== tenantId) {
        throw new RegistryError('TENANT_NOT_FOUND', 'no such tenant for this key');
      }
      break;
    case 'gateway':
      if (action !== 'call') {
        throw new RegistryError('FORBIDDEN', 'a gateway key may only resolve and call extensions');
      }
      break;
    case 'publisher':
      throw new RegistryError('FORBIDDEN', 'a publisher key cannot act for tenants');
  }
  if (!TENANT_ID_RE.test(tenantId)) {
    throw new RegistryError('BAD_REQUEST', 'tenant id must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$');
  }
  return scope;
}
