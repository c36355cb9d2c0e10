import { json, type ApiKeyRole, type Database } from '@annex/db';
import type { Kysely } from 'kysely';
import { generateApiKey, hashApiKey } from '../auth/api-key-secret.js';
import { RegistryError } from '../registry-error.js';

export interface NewApiKey {
  role: ApiKeyRole;
  publishers?: string[];
  tenantId?: string;
  name?: string;
}

export interface ApiKeyView {
  id: string;
  role: ApiKeyRole;
  publishers?: string[];
  tenantId?: string;
  name: string | null;
  createdAt: string;
  revokedAt: string | null;
}

function scopeFor(input: NewApiKey): { publishers?: string[]; tenantId?: string } {
  const { role, publishers, tenantId } = input;
  if (role === 'publisher') {
    if (!publishers || publishers.length === 0) {
      throw new RegistryError(
        'BAD_REQUEST',
        'a publisher key needs `publishers`: the publisher names it may use',
      );
    }
    if (tenantId !== undefined) throw new RegistryError('BAD_REQUEST', 'a publisher key takes no `tenantId`');
    return { publishers: [...new Set(publishers)].sort() };
  }
  if (role === 'tenant') {
    if (!tenantId)
      throw new RegistryError('BAD_REQUEST', 'a tenant key needs `tenantId`: the tenant it acts for');
    if (publishers !== undefined)
      throw new RegistryError('BAD_REQUEST', 'a tenant key takes no `publishers`');
    return { tenantId };
  }
  if (publishers !== undefined || tenantId !== undefined) {
    throw new RegistryError('BAD_REQUEST', `an ${role} key takes no publishers or tenantId`);
  }
  return {};
}

function view(row: {
  id: string;
  role: ApiKeyRole;
  scope: { publishers?: string[]; tenantId?: string };
  name: string | null;
  created_at: Date;
  revoked_at: Date | null;
}): ApiKeyView {
  return {
    id: row.id,
    role: row.role,
    ...(row.scope.publishers ? { publishers: row.scope.publishers } : {}),
    ...(row.scope.tenantId ? { tenantId: row.scope.tenantId } : {}),
    name: row.name,
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at ? row.revoked_at.toISOString() : null,
  };
}

/** API keys: created and revoked by admins; only the hash is kept, the key is shown once. */
export function createApiKeyService(db: Kysely<Database>) {
  return {
    async create(input: NewApiKey): Promise<ApiKeyView & { key: string }> {
      const scope = scopeFor(input);
      const key = generateApiKey();
      const row = await db
        .insertInto('api_key')
        .values({ hash: hashApiKey(key), role: input.role, scope: json(scope), name: input.name ?? null })
        .returning(['id', 'role', 'scope', 'name', 'created_at', 'revoked_at'])
        .executeTakeFirstOrThrow();
      return { ...view(row), key };
    },

    async list(): Promise<ApiKeyView[]> {
      const rows = await db
        .selectFrom('api_key')
        .select(['id', 'role', 'scope', 'name', 'created_at', 'revoked_at'])
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(view);
    },

    /** Revokes a key; revoking a revoked key is a no-op. */
    async revoke(id: string): Promise<void> {
      const result = await db
        .updateTable('api_key')
        .set({ revoked_at: new Date() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) {
        const exists = await db.selectFrom('api_key').select('id').where('id', '=', id).executeTakeFirst();
        if (!exists) throw new RegistryError('API_KEY_NOT_FOUND', `no API key ${id}`);
      }
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
