/**
 * The install's key-value store on `extension_kv` (SPEC section 8), reached only through withTenant
 * so row level security binds every query to the call's tenant. Revisions give compare-and-set;
 * writes of one install are serialized by a transaction-scoped advisory lock, so the CAS check and
 * the quota count cannot race with another replica's write.
 */
import { withTenant, type Database, type TenantTransaction } from '@annex/db';
import type { KvErrorCode } from '@annex/sdk';
import { sql, type Kysely } from 'kysely';
import type { RunnerLimits } from '../../runner-limits.js';

export class KvError extends Error {
  constructor(readonly code: KvErrorCode) {
    super(`kv: ${code}`);
    this.name = 'KvError';
  }
}

export interface KvScope {
  tenantId: string;
  installId: string;
}

export interface KvStore {
  get(scope: KvScope, key: string): Promise<{ value: Uint8Array; revision: bigint } | undefined>;
  set(
    scope: KvScope,
    key: string,
    value: Uint8Array,
    options: { expectedRevision?: bigint | undefined; ttlMs?: bigint | undefined },
  ): Promise<bigint>;
  delete(scope: KvScope, key: string, expectedRevision?: bigint): Promise<boolean>;
  list(
    scope: KvScope,
    prefix: string,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ keys: string[]; cursor?: string }>;
}

// C0 controls and DEL; C1 controls too (invisible, and confusing in listings).
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;
/** Ten years: longer TTLs are capped (they would overflow timestamp arithmetic long before u64 does). */
const MAX_TTL_MS = 10n * 365n * 24n * 3600n * 1000n;

export function checkKey(key: unknown, maxKeyBytes: number): string {
  if (typeof key !== 'string' || key === '' || CONTROL_RE.test(key) || Buffer.byteLength(key) > maxKeyBytes) {
    throw new KvError('invalid-key');
  }
  return key;
}

const live = sql<boolean>`(expires_at is null or expires_at > now())`;

/** Serializes the writes of one install for the rest of the transaction. */
async function lockInstall(trx: TenantTransaction, installId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`annex-kv:${installId}`}, 0))`.execute(trx);
}

async function current(trx: TenantTransaction, installId: string, key: string) {
  return trx
    .selectFrom('extension_kv')
    .select(['revision', sql<number>`octet_length(value)`.as('size'), live.as('live')])
    .where('install_id', '=', installId)
    .where('key', '=', key)
    .executeTakeFirst();
}

export function createKvStore(db: Kysely<Database>, limits: RunnerLimits['kv']): KvStore {
  const expected = (revision: bigint | undefined) => {
    if (revision !== undefined && (typeof revision !== 'bigint' || revision < 0n))
      throw new KvError('conflict');
    return revision;
  };
  return {
    async get(scope, key) {
      checkKey(key, limits.maxKeyBytes);
      const row = await withTenant(db, scope.tenantId, (trx) =>
        trx
          .selectFrom('extension_kv')
          .select(['value', 'revision'])
          .where('install_id', '=', scope.installId)
          .where('key', '=', key)
          .where(live)
          .executeTakeFirst(),
      );
      if (!row) return undefined;
      return { value: new Uint8Array(row.value), revision: BigInt(row.revision) };
    },

    async set(scope, key, value, options) {
      checkKey(key, limits.maxKeyBytes);
      if (!(value instanceof Uint8Array)) throw new KvError('too-large');
      if (value.length > limits.maxValueBytes) throw new KvError('too-large');
      const wanted = expected(options.expectedRevision);
      let ttl = options.ttlMs;
      if (ttl !== undefined && ttl > MAX_TTL_MS) ttl = MAX_TTL_MS;
      return withTenant(db, scope.tenantId, async (trx) => {
        await lockInstall(trx, scope.installId);
        const row = await current(trx, scope.installId, key);
        const existing = row?.live ? row : undefined;
        if (wanted !== undefined && wanted !== BigInt(existing?.revision ?? 0)) throw new KvError('conflict');

        const usage = await trx
          .selectFrom('extension_kv')
          .select([
            sql<number>`count(*)::int`.as('keys'),
            sql<number>`coalesce(sum(octet_length(key) + octet_length(value)), 0)::bigint`.as('bytes'),
          ])
          .where('install_id', '=', scope.installId)
          .where(live)
          .executeTakeFirstOrThrow();
        const keyBytes = Buffer.byteLength(key);
        const keys = Number(usage.keys) + (existing ? 0 : 1);
        const bytes =
          Number(usage.bytes) - (existing ? keyBytes + Number(existing.size) : 0) + keyBytes + value.length;
        if (keys > limits.maxKeysPerInstall || bytes > limits.maxBytesPerInstall) {
          throw new KvError('quota-exceeded');
        }

        const expiresAt =
          ttl === undefined ? null : sql<Date>`now() + make_interval(secs => ${Number(ttl) / 1000})`;
        const written = await trx
          .insertInto('extension_kv')
          .values({
            tenant_id: scope.tenantId,
            install_id: scope.installId,
            key,
            value,
            revision: 1,
            expires_at: expiresAt,
          })
          .onConflict((oc) =>
            oc.columns(['install_id', 'key']).doUpdateSet({
              value,
              revision: sql<number>`extension_kv.revision + 1`,
              expires_at: expiresAt,
            }),
          )
          .returning('revision')
          .executeTakeFirstOrThrow();
        // Expired rows of the install are dropped while the lock is held (their quota is already free).
        await trx
          .deleteFrom('extension_kv')
          .where('install_id', '=', scope.installId)
          .where('expires_at', '<=', sql<Date>`now()`)
          .execute();
        return BigInt(written.revision);
      });
    },

    async delete(scope, key, expectedRevision) {
      checkKey(key, limits.maxKeyBytes);
      const wanted = expected(expectedRevision);
      return withTenant(db, scope.tenantId, async (trx) => {
        await lockInstall(trx, scope.installId);
        const row = await current(trx, scope.installId, key);
        const existing = row?.live ? row : undefined;
        if (wanted !== undefined && wanted !== BigInt(existing?.revision ?? 0)) throw new KvError('conflict');
        if (!row) return false;
        await trx
          .deleteFrom('extension_kv')
          .where('install_id', '=', scope.installId)
          .where('key', '=', key)
          .execute();
        return existing !== undefined;
      });
    },

    async list(scope, prefix, cursor, limit) {
      if (typeof prefix !== 'string' || CONTROL_RE.test(prefix)) throw new KvError('invalid-key');
      const size = Math.max(1, Math.min(Number.isInteger(limit) ? limit : 0, limits.maxListLimit));
      const rows = await withTenant(db, scope.tenantId, (trx) => {
        let query = trx
          .selectFrom('extension_kv')
          .select('key')
          .where('install_id', '=', scope.installId)
          .where(live);
        // starts_with rather than LIKE: no escaping of % and _; "C" collation orders by bytes.
        if (prefix !== '') query = query.where(sql<boolean>`starts_with(key, ${prefix})`);
        if (cursor !== undefined) query = query.where(sql<boolean>`key collate "C" > ${cursor} collate "C"`);
        return query
          .orderBy(sql`key collate "C"`)
          .limit(size + 1)
          .execute();
      });
      const keys = rows.slice(0, size).map((r) => r.key);
      return rows.length > size ? { keys, cursor: keys[keys.length - 1]! } : { keys };
    },
  };
}
