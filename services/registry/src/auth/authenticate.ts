import { createHash, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '@annex/db';
import type { FastifyRequest } from 'fastify';
import { RegistryError } from '../registry-error.js';
import { hashApiKey } from './api-key-secret.js';
import { principalFrom, type Principal } from './principal.js';

export interface Authenticator {
  authenticate(request: FastifyRequest): Promise<Principal>;
}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/**
 * Resolves `Authorization: Bearer <key>` to a principal: the bootstrap admin token (compared in
 * constant time), or an unrevoked key found by its hash.
 */
export function createAuthenticator(db: Kysely<Database>, adminToken: string): Authenticator {
  return {
    async authenticate(request) {
      const header = request.headers.authorization;
      if (typeof header !== 'string' || !/^Bearer \S+$/.test(header)) {
        throw new RegistryError('UNAUTHORIZED', 'an API key is required: Authorization: Bearer <key>');
      }
      const key = header.slice(7);
      if (adminToken && sameSecret(key, adminToken)) return { keyId: 'bootstrap', role: 'admin' };
      const row = await db
        .selectFrom('api_key')
        .select(['id', 'role', 'scope'])
        .where('hash', '=', hashApiKey(key))
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (!row) throw new RegistryError('UNAUTHORIZED', 'the API key is not valid or was revoked');
      return principalFrom(row.id, row.role, row.scope);
    },
  };
}
