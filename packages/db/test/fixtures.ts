import type { AnnexDatabase } from '@annex/db';
import { seedExtension as seedRegistry, seedVersion } from '@annex/test-support';

let counter = 0;

/** A published extension with one version, as the registry would write it. */
export async function seedExtension(database: AnnexDatabase, name = `ext-${++counter}`) {
  const contentHash = `sha256:${(counter.toString(16).padStart(2, '0') + name.length.toString(16)).padEnd(64, 'a')}`;
  const registryId = await seedRegistry(database.db, name);
  const versionId = await seedVersion(database.db, registryId, contentHash, '1.0.0', {
    name,
    publisher: 'acme',
    version: '1.0.0',
  });
  return { registryId, versionId, contentHash };
}
