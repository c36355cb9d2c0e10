import { json, type AnnexDatabase } from '@annex/db';

let counter = 0;

/** A published extension with one version, as the registry would write it. */
export async function seedExtension(database: AnnexDatabase, name = `ext-${++counter}`) {
  const { db } = database;
  const hash = `sha256:${(counter.toString(16).padStart(2, '0') + name.length.toString(16)).padEnd(64, 'a')}`;
  const registry = await db
    .insertInto('extension_registry')
    .values({
      publisher: 'acme',
      name,
      display_name: null,
      description: null,
      latest_version: '1.0.0',
      deprecation: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('extension_bundle')
    .values({
      content_hash: hash,
      storage_url: `sha256/${hash.slice(7)}/bundle.tar.zst`,
      size: 10,
      runtime: 'wasm-component@1',
      sdk_version: null,
    })
    .onConflict((oc) => oc.column('content_hash').doNothing())
    .execute();
  const version = await db
    .insertInto('extension_version')
    .values({
      registry_id: registry.id,
      semver: '1.0.0',
      content_hash: hash,
      signature: null,
      signature_status: 'unsigned',
      signer: null,
      sbom_ref: null,
      manifest: json({ name, publisher: 'acme', version: '1.0.0' }),
      yank_reason: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { registryId: registry.id, versionId: version.id, contentHash: hash };
}
