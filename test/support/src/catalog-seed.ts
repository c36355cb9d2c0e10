import { randomUUID } from 'node:crypto';
import { json, withSystem, type Database } from '@annex/db';
import type { Kysely } from 'kysely';

/**
 * Catalog and install rows written straight to the database, for tests and benchmarks that are not
 * about publishing or installing (the registry's own tests go through its API).
 */
export async function seedExtension(
  db: Kysely<Database>,
  name = `ext-${randomUUID().slice(0, 8)}`,
  publisher = 'acme',
) {
  return withSystem(db, async (trx) => {
    const row = await trx
      .insertInto('extension_registry')
      .values({
        publisher,
        name,
        display_name: null,
        description: null,
        latest_version: '1.0.0',
        deprecation: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
}

/** A version of `registryId` pointing at `contentHash` (its bundle row is created when missing). */
export async function seedVersion(
  db: Kysely<Database>,
  registryId: string,
  contentHash: string,
  semver = '1.0.0',
  manifest: Record<string, unknown> = {},
) {
  return withSystem(db, async (trx) => {
    await trx
      .insertInto('extension_bundle')
      .values({
        content_hash: contentHash,
        storage_url: `sha256/${contentHash.slice(7)}/bundle.tar.zst`,
        size: 10,
        runtime: 'wasm-component@1',
        sdk_version: null,
      })
      .onConflict((oc) => oc.column('content_hash').doNothing())
      .execute();
    const row = await trx
      .insertInto('extension_version')
      .values({
        registry_id: registryId,
        semver,
        content_hash: contentHash,
        signature: null,
        signature_status: 'unsigned',
        signer: null,
        sbom_ref: null,
        manifest: json(manifest),
        yank_reason: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
}

/** A new extension with version 1.0.0 of `contentHash`, installed (enabled, no grants) for `tenantId`. */
export async function seedInstall(db: Kysely<Database>, contentHash: string, tenantId = 't1') {
  const name = `ext-${randomUUID().slice(0, 8)}`;
  const extensionId = await seedExtension(db, name);
  const versionId = await seedVersion(db, extensionId, contentHash, '1.0.0', {
    name,
    publisher: 'acme',
    version: '1.0.0',
  });
  const installId = await withSystem(db, async (trx) => {
    const row = await trx
      .insertInto('tenant_extension_install')
      .values({
        tenant_id: tenantId,
        registry_id: extensionId,
        version_id: versionId,
        granted_caps: json([]),
        egress: json([]),
        config: json({}),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
  return { extensionId, versionId, installId };
}
