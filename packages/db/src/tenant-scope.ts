import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from './schema.js';

export const APP_ROLE = 'annex_app';
export const SYSTEM_ROLE = 'annex_system';
export const TENANT_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

declare const tenantBrand: unique symbol;
declare const systemBrand: unique symbol;

/** A transaction bound to one tenant by row level security (role annex_app + app.tenant_id). */
export type TenantTransaction = Transaction<Database> & { readonly [tenantBrand]: string };
/** A transaction that may read and write every tenant's rows (role annex_system), for maintenance. */
export type SystemTransaction = Transaction<Database> & { readonly [systemBrand]: true };

export class InvalidTenantIdError extends Error {
  constructor() {
    super('tenant id must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$');
    this.name = 'InvalidTenantIdError';
  }
}

/**
 * Runs `fn` in a transaction that can only see and write `tenantId`'s rows. This is the one way
 * tenant tables are reached: the role switch is LOCAL, so it ends with the transaction and can
 * never leak to the next user of a pooled connection.
 */
export async function withTenant<T>(
  db: Kysely<Database>,
  tenantId: string,
  fn: (trx: TenantTransaction) => Promise<T>,
): Promise<T> {
  if (!TENANT_ID_RE.test(tenantId)) throw new InvalidTenantIdError();
  return db.transaction().execute(async (trx) => {
    await sql`set local role annex_app`.execute(trx);
    await sql`select set_config('app.tenant_id', ${tenantId}, true)`.execute(trx);
    return fn(trx as TenantTransaction);
  });
}

/** Runs `fn` in a transaction with cross-tenant access, for platform work (dispatch, purges). */
export async function withSystem<T>(
  db: Kysely<Database>,
  fn: (trx: SystemTransaction) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`set local role annex_system`.execute(trx);
    return fn(trx as SystemTransaction);
  });
}

/** A jsonb parameter. Both drivers would otherwise send a JS array as a PostgreSQL array. */
export function json(value: unknown): RawBuilder<string> {
  return sql<string>`${JSON.stringify(value)}::jsonb`;
}
