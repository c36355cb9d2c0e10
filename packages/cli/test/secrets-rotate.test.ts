import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parseKeks, type DatabaseSettings } from '@annex/config';
import { json, openDatabase, withSystem, withTenant } from '@annex/db';
import { decryptValue, encryptValue } from '@annex/secrets';
import { createEmptyPostgresDatabase, startNode, tempDir, testDatabaseKind } from '@annex/test-support';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const OLD = `old:${randomBytes(32).toString('base64')}`;
const NEW = `new:${randomBytes(32).toString('base64')}`;
const VALUES = {
  API_TOKEN: `v1_${randomBytes(8).toString('hex')}`,
  PASSWORD: `v2_${randomBytes(8).toString('hex')}`,
};

async function run(args: string[], env: Record<string, string>) {
  const proc = startNode(bin, env, args);
  const code = await proc.exited;
  return { code, stdout: proc.stdout(), stderr: proc.stderr() };
}

// Each verb is a node process (about 1 s to start): on a busy machine more than the file timeout of
// .taprc, so this file asks its runner for more (tap honours the root test's setTimeout).
t.setTimeout(300_000);

t.test(`annex secrets rotate-kek re-encrypts on the database (${testDatabaseKind()})`, async (t) => {
  const dir = tempDir();
  t.teardown(dir.remove);
  const env: Record<string, string> = {
    DATA_DIR: dir.path,
    REGISTRY_ADMIN_TOKEN: 'test-admin-token-0123456789',
  };
  let settings: DatabaseSettings = { kind: 'pglite', dataDir: `${dir.path}/pgdata` };
  if (testDatabaseKind() === 'postgres') {
    const empty = await createEmptyPostgresDatabase();
    t.teardown(() => empty.drop());
    env.DATABASE_URL = empty.url;
    env.RUNNER_TOKEN = 'test-runner-token-0123456789';
    settings = { kind: 'postgres', url: empty.url };
  }
  t.equal((await run(['migrate'], env)).code, 0);

  // Secrets as the registry writes them, under the old key.
  let database = await openDatabase(settings, { poolSize: 1 });
  const installId = await withSystem(database.db, async (trx) => {
    const ext = await trx
      .insertInto('extension_registry')
      .values({
        publisher: 'acme',
        name: 'x',
        display_name: null,
        description: null,
        latest_version: null,
        deprecation: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const hash = `sha256:${'a'.repeat(64)}`;
    await trx
      .insertInto('extension_bundle')
      .values({
        content_hash: hash,
        storage_url: 'x',
        size: 1,
        runtime: 'wasm-component@1',
        sdk_version: null,
      })
      .execute();
    const version = await trx
      .insertInto('extension_version')
      .values({
        registry_id: ext.id,
        semver: '1.0.0',
        content_hash: hash,
        signature: null,
        signature_status: 'unsigned',
        signer: null,
        sbom_ref: null,
        manifest: json({}),
        yank_reason: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { registryId: ext.id, versionId: version.id };
  }).then((ids) =>
    withTenant(database.db, 't1', async (trx) => {
      const install = await trx
        .insertInto('tenant_extension_install')
        .values({
          tenant_id: 't1',
          registry_id: ids.registryId,
          version_id: ids.versionId,
          granted_caps: json([]),
          egress: json([]),
          config: json({}),
          updated_at: new Date(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const [name, value] of Object.entries(VALUES)) {
        const sealed = encryptValue(value, parseKeks(OLD), { tenantId: 't1', installId: install.id, name });
        await trx
          .insertInto('tenant_extension_secret')
          .values({
            install_id: install.id,
            tenant_id: 't1',
            name,
            ciphertext: sealed.ciphertext,
            key_id: sealed.keyId,
            updated_at: new Date(),
          })
          .execute();
      }
      return install.id;
    }),
  );
  await database.close();

  const rotated = await run(['--json', 'secrets', 'rotate-kek'], { ...env, SECRETS_KEK: `${NEW},${OLD}` });
  t.equal(rotated.code, 0, rotated.stderr);
  t.same(JSON.parse(rotated.stdout), { keyId: 'new', reencrypted: 2, current: 2, failed: [] });

  database = await openDatabase(settings, { poolSize: 1 });
  const rows = await withSystem(database.db, (trx) =>
    trx.selectFrom('tenant_extension_secret').selectAll().execute(),
  );
  await database.close();
  t.same(
    rows.map((r) => r.key_id),
    ['new', 'new'],
  );
  for (const row of rows) {
    const value = decryptValue({ ciphertext: row.ciphertext, keyId: row.key_id }, parseKeks(NEW), {
      tenantId: 't1',
      installId,
      name: row.name,
    });
    t.equal(value, VALUES[row.name as keyof typeof VALUES], `${row.name} opens with the new key alone`);
  }

  const again = await run(['secrets', 'rotate-kek'], { ...env, SECRETS_KEK: NEW });
  t.equal(again.code, 0);
  t.match(again.stdout, /re-encrypted 0 secret\(s\) under key new; 2 in all are under it/);

  const wrong = await run(['secrets', 'rotate-kek'], {
    ...env,
    SECRETS_KEK: `other:${randomBytes(32).toString('base64')}`,
  });
  t.equal(wrong.code, 1, 'secrets no key opens are reported, and the exit code says so');
  t.match(wrong.stdout, /could not re-encrypt API_TOKEN of install .* \(tenant t1, key new\): UNKNOWN_KEY/);
  for (const value of Object.values(VALUES)) t.notMatch(wrong.stdout + wrong.stderr + rotated.stdout, value);

  const badEnv = await run(['secrets', 'rotate-kek'], { ...env, SECRETS_KEK: 'not-a-key' });
  t.equal(badEnv.code, 2);
  t.match(badEnv.stderr, /SECRETS_KEK/);
});
