import type { ApiKeyRole } from '@annex/db';

/** Who is calling: the role and scope of the API key that authenticated the request. */
export type Principal =
  | { keyId: string; role: 'admin' }
  | { keyId: string; role: 'publisher'; publishers: string[] }
  | { keyId: string; role: 'tenant'; tenantId: string }
  | { keyId: string; role: 'gateway' };

export function principalFrom(
  keyId: string,
  role: ApiKeyRole,
  scope: { publishers?: string[]; tenantId?: string },
): Principal {
  switch (role) {
    case 'admin':
      return { keyId, role };
    case 'publisher':
      return { keyId, role, publishers: scope.publishers ?? [] };
    case 'tenant':
      return { keyId, role, tenantId: scope.tenantId ?? '' };
    case 'gateway':
      return { keyId, role };
  }
}

/** Whether the caller may act on a publisher's extensions (create, upload, deprecate, yank). */
export function holdsPublisher(principal: Principal, publisher: string): boolean {
  return (
    principal.role === 'admin' || (principal.role === 'publisher' && principal.publishers.includes(publisher))
  );
}

/**
 * The publishers whose extensions the caller can see, or undefined for all. Publisher keys see only
 * their own: for them another publisher's extension does not exist (SPEC section 10).
 */
export function visiblePublishers(principal: Principal): string[] | undefined {
  return principal.role === 'publisher' ? principal.publishers : undefined;
}
