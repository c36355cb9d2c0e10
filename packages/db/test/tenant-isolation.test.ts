import t from 'tap';
import { sql } from 'kysely';
import {
  InvalidTenantIdError,
  json,
  TENANT_TABLES,
  withSystem,
  withTenant,
  type TenantTransaction,
} from '@annex/db';
import { createTestDatabase, testDatabaseKind } from '@annex/test-support';
import { seedExtension } from './fixtures.js';

/**
 * Row level security is the second wall behind the services' own tenant checks: even a query that
 * forgets its `where tenant_id = …` must not reach another tenant. Proven here for every tenant
 * table and every verb, on PGlite and on PostgreSQL.
 */
t.test(`tenant transactions are isolated on ${testDatabaseKind()}`, async (t) => {
  const database = await createTestDatabase();
  t.teardown(() => database.close());
  const { db } = database;
  const ext = await seedExtension(database);

  // Tenant B's rows in every tenant table.
  const installB = await withTenant(db, 'tenant-b', async (trx) => {
    const install = await trx
      .insertInto('tenant_extension_install')
      .values({
        tenant_id: 'tenant-b',
        registry_id: ext.registryId,
        version_id: ext.versionId,
        granted_caps: json(['cap:storage.kv']),
        egress: json([]),
        config: json({ secret: 'b' }),
        updated_at: new Date(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('tenant_extension_secret')
      .values({
        install_id: install.id,
        tenant_id: 'tenant-b',
        name: 'API_KEY',
        ciphertext: 'c',
        key_id: 'k',
        updated_at: new Date(),
      })
      .execute();
    await trx
      .insertInto('extension_event_subscription')
      .values({ tenant_id: 'tenant-b', tenant_install_id: install.id, event: 'ticket.created', filter: null })
      .execute();
    await trx
      .insertInto('extension_execution_log')
      .values({
        tenant_id: 'tenant-b',
        extension_id: ext.registryId,
        install_id: install.id,
        request_id: 'r1',
        event_id: null,
        started_at: new Date(),
        finished_at: null,
        status: 200,
        metrics: json({}),
        error: null,
      })
      .execute();
    await trx
      .insertInto('extension_quota_usage')
      .values({
        tenant_id: 'tenant-b',
        extension_id: ext.registryId,
        window_start: new Date('2026-01-01T00:00:00Z'),
        invocations: 3,
      })
      .execute();
    await trx
      .insertInto('extension_kv')
      .values({
        tenant_id: 'tenant-b',
        install_id: install.id,
        key: 'k',
        value: new Uint8Array([1, 2, 3]),
        expires_at: null,
      })
      .execute();
    await trx
      .insertInto('extension_event')
      .values({ tenant_id: 'tenant-b', id: 'evt-1', topic: 'ticket.created', payload: json({ n: 1 }) })
      .execute();
    await trx
      .insertInto('extension_event_delivery')
      .values({
        tenant_id: 'tenant-b',
        event_id: 'evt-1',
        install_id: install.id,
        extension_id: ext.registryId,
        handler: null,
        run_at: new Date(),
        lease_until: null,
        last_status: null,
        last_error: null,
        updated_at: new Date(),
      })
      .execute();
    return install.id;
  });

  const asA = <T>(fn: (trx: TenantTransaction) => Promise<T>) => withTenant(db, 'tenant-a', fn);

  t.test('cannot read', async (t) => {
    for (const table of TENANT_TABLES) {
      const rows = await asA((trx) => trx.selectFrom(table).selectAll().execute());
      t.same(rows, [], `${table}: no rows visible to tenant A`);
    }
    const b = await withTenant(db, 'tenant-b', (trx) =>
      Promise.all(TENANT_TABLES.map((table) => trx.selectFrom(table).selectAll().execute())),
    );
    t.same(
      b.map((rows) => rows.length),
      TENANT_TABLES.map(() => 1),
      'tenant B sees its own row in each table',
    );
  });

  t.test('cannot update or delete', async (t) => {
    for (const table of TENANT_TABLES) {
      const updated = await asA((trx) =>
        sql`update ${sql.table(table)} set tenant_id = 'tenant-a'`.execute(trx),
      );
      t.equal(Number(updated.numAffectedRows ?? 0), 0, `${table}: update touches nothing`);
      const deleted = await asA((trx) => trx.deleteFrom(table).executeTakeFirst());
      t.equal(Number(deleted.numDeletedRows), 0, `${table}: delete touches nothing`);
    }
    const still = await withTenant(db, 'tenant-b', (trx) =>
      trx.selectFrom('tenant_extension_install').select(['config', 'tenant_id']).executeTakeFirstOrThrow(),
    );
    t.same(still, { config: { secret: 'b' }, tenant_id: 'tenant-b' });
  });

  t.test('cannot insert rows for another tenant', async (t) => {
    await t.rejects(
      asA((trx) =>
        trx
          .insertInto('tenant_extension_install')
          .values({
            tenant_id: 'tenant-b',
            registry_id: ext.registryId,
            version_id: ext.versionId,
            granted_caps: json([]),
            egress: json([]),
            config: json({}),
            updated_at: new Date(),
          })
          .execute(),
      ),
      /row-level security/,
    );
    await t.rejects(
      asA((trx) =>
        trx
          .insertInto('extension_kv')
          .values({
            tenant_id: 'tenant-b',
            install_id: installB,
            key: 'x',
            value: new Uint8Array([1]),
            expires_at: null,
          })
          .execute(),
      ),
      /row-level security/,
    );
    // Its own tenant id, but another tenant's install: the composite foreign key refuses it.
    await t.rejects(
      asA((trx) =>
        trx
          .insertInto('extension_kv')
          .values({
            tenant_id: 'tenant-a',
            install_id: installB,
            key: 'x',
            value: new Uint8Array([1]),
            expires_at: null,
          })
          .execute(),
      ),
      /foreign key/,
    );
  });

  t.test('cannot move its own rows to another tenant', async (t) => {
    const ext2 = await seedExtension(database);
    await asA((trx) =>
      trx
        .insertInto('tenant_extension_install')
        .values({
          tenant_id: 'tenant-a',
          registry_id: ext2.registryId,
          version_id: ext2.versionId,
          granted_caps: json([]),
          egress: json([]),
          config: json({}),
          updated_at: new Date(),
        })
        .execute(),
    );
    await t.rejects(
      asA((trx) => trx.updateTable('tenant_extension_install').set({ tenant_id: 'tenant-b' }).execute()),
      /row-level security/,
    );
  });

  t.test('the role and tenant end with the transaction', async (t) => {
    await asA(async () => undefined);
    const row = await sql<{
      role: string;
      tenant: string | null;
    }>`select current_user as role, current_setting('app.tenant_id', true) as tenant`.execute(db);
    t.not(row.rows[0]!.role, 'annex_app');
    t.notOk(row.rows[0]!.tenant, 'no tenant outside withTenant');
  });

  t.test('system transactions see every tenant', async (t) => {
    const count = await withSystem(db, (trx) =>
      trx
        .selectFrom('tenant_extension_install')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    );
    t.equal(Number(count.n), 2);
  });

  t.test('a malformed tenant id never reaches the database', async (t) => {
    await t.rejects(
      withTenant(db, "x' or '1'='1", async () => 1),
      InvalidTenantIdError,
    );
    await t.rejects(
      withTenant(db, '', async () => 1),
      InvalidTenantIdError,
    );
  });
});
