import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.js';
import { RegistryError } from '../registry-error.js';

/** The authenticated caller (set by the auth hook on every /v1 route). */
export function principalOf(request: FastifyRequest): Principal {
  const principal = (request as FastifyRequest & { principal?: Principal }).principal;
  if (!principal)
    throw new RegistryError('UNAUTHORIZED', 'an API key is required: Authorization: Bearer <key>');
  return principal;
}

export function requireAdmin(request: FastifyRequest): Principal {
  const principal = principalOf(request);
  if (principal.role !== 'admin') throw new RegistryError('FORBIDDEN', 'this route needs an admin key');
  return principal;
}

/** Route hook for admin-only routes: runs before validation, so a non-admin always gets 403. */
export async function adminOnly(request: FastifyRequest): Promise<void> {
  requireAdmin(request);
}
