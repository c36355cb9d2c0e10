import t from 'tap';
import { sql } from 'kysely';
import {
  listMigrations,
  migrateToLatest,
  openDatabase,
  splitStatements,
  TENANT_TABLES,
  withTenant,
  json,
} from '@annex/db';
import { createEmptyPostgresDatabase, createTestDatabase, testDatabaseKind } from '@annex/test-support';
import { seedExtension } from './fixtures.js';

const TABLES = [
  'api_key',
  'extension_bundle',
  'extension_event',
  'extension_event_delivery',
  'extension_event_subscription',
  'extension_execution_log',
  'extension_kv',
  'extension_quota_usage',
  'extension_registry',
  'extension_upload',
  'extension_version',
  'tenant_extension_install',
  'tenant_extension_secret',
];

t.test(`migrations on ${testDatabaseKind()}`, async (t) => {
  const database = await createTestDatabase();
  t.teardown(() => database.close());
  const { db } = database;

  t.test('create every table of SPEC section 8', async (t) => {
    const rows = await sql<{ table_name: string }>`
      select table_name from information_schema.tables
      where table_schema = 'public' and table_name not like 'kysely_%' order by table_name`.execute(db);
    t.same(
      rows.rows.map((r) => r.table_name),
      TABLES,
    );
  });

  t.test('tenant tables force row level security', async (t) => {
    const rows = await sql<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>`
      select relname, relrowsecurity, relforcerowsecurity from pg_class
      where relname in (${sql.join([...TENANT_TABLES])}) order by relname`.execute(db);
    t.equal(rows.rows.length, TENANT_TABLES.length);
    for (const row of rows.rows) {
      t.ok(row.relrowsecurity && row.relforcerowsecurity, `${row.relname} has RLS with FORCE`);
    }
  });

  t.test('a second run applies nothing', async (t) => {
    t.same(await migrateToLatest(db), { applied: [] });
    t.same(await listMigrations(), [
      '0001_initial',
      '0002_uploads',
      '0003_installs',
      '0004_observability',
      '0005_event_deliveries',
    ]);
  });

  t.test('one version string per extension', async (t) => {
    const ext = await seedExtension(database);
    await t.rejects(
      db
        .insertInto('extension_version')
        .values({
          registry_id: ext.registryId,
          semver: '1.0.0',
          content_hash: ext.contentHash,
          signature: null,
          signature_status: 'unsigned',
          signer: null,
          sbom_ref: null,
          manifest: json({}),
          yank_reason: null,
        })
        .execute(),
      /extension_version_semver_unique/,
    );
  });

  t.test('one slug per publisher and name', async (t) => {
    await db
      .insertInto('extension_registry')
      .values({
        publisher: 'acme',
        name: 'dup',
        display_name: null,
        description: null,
        latest_version: null,
        deprecation: null,
      })
      .execute();
    await t.rejects(
      db
        .insertInto('extension_registry')
        .values({
          publisher: 'acme',
          name: 'dup',
          display_name: null,
          description: null,
          latest_version: null,
          deprecation: null,
        })
        .execute(),
      /extension_registry_slug_unique/,
    );
  });

  t.test('one install per tenant and extension', async (t) => {
    const ext = await seedExtension(database);
    const install = () =>
      withTenant(db, 'tenant-1', (trx) =>
        trx
          .insertInto('tenant_extension_install')
          .values({
            tenant_id: 'tenant-1',
            registry_id: ext.registryId,
            version_id: ext.versionId,
            granted_caps: json([]),
            egress: json([]),
            config: json({}),
            updated_at: new Date(),
          })
          .execute(),
      );
    await install();
    await t.rejects(install(), /tenant_extension_install_unique/);
  });

  t.test('a version must point at a stored bundle', async (t) => {
    const ext = await seedExtension(database);
    await t.rejects(
      db
        .insertInto('extension_version')
        .values({
          registry_id: ext.registryId,
          semver: '2.0.0',
          content_hash: `sha256:${'f'.repeat(64)}`,
          signature: null,
          signature_status: 'unsigned',
          signer: null,
          sbom_ref: null,
          manifest: json({}),
          yank_reason: null,
        })
        .execute(),
      /foreign key/,
    );
  });
});

t.test('statements split at breakpoints; comment-only pieces dropped', async (t) => {
  t.same(
    splitStatements(
      '-- a\ncreate table a();\n--> statement-breakpoint\n-- only a comment\n--> statement-breakpoint\nselect 1;',
    ),
    ['-- a\ncreate table a();', 'select 1;'],
  );
});

t.test(
  'instances migrating at once apply each migration once (PostgreSQL advisory lock)',
  { skip: testDatabaseKind() !== 'postgres' && 'PostgreSQL pass only' },
  async (t) => {
    const empty = await createEmptyPostgresDatabase();
    t.teardown(() => empty.drop());
    const instances = await Promise.all(
      [1, 2, 3].map(() => openDatabase({ kind: 'postgres', url: empty.url }, { poolSize: 2 })),
    );
    t.teardown(() => Promise.all(instances.map((i) => i.close())));
    const outcomes = await Promise.all(instances.map((i) => migrateToLatest(i.db)));
    t.same(
      outcomes.flatMap((o) => o.applied),
      await listMigrations(),
      'exactly one instance applied each',
    );
    const rows = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(
      instances[0]!.db,
    );
    t.equal(rows.rows[0]!.n, (await listMigrations()).length);
  },
);
