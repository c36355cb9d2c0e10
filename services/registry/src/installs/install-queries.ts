import type { TenantTransaction } from '@annex/db';
import type { ExtensionRef } from '../catalog/extension-ref.js';
import type { InstallRow } from './install-views.js';

/** Queries over one tenant's install tables; every one runs inside withTenant (row level security). */

function installQuery(trx: TenantTransaction) {
  return trx
    .selectFrom('tenant_extension_install as i')
    .innerJoin('extension_registry as r', 'r.id', 'i.registry_id')
    .innerJoin('extension_version as v', 'v.id', 'i.version_id')
    .select([
      'i.id',
      'i.tenant_id',
      'i.registry_id',
      'i.version_id',
      'i.status',
      'i.granted_caps',
      'i.egress',
      'i.config',
      'i.pending_update',
      'i.quota',
      'i.created_at',
      'i.updated_at',
      'r.publisher',
      'r.name',
      'r.deprecation',
      'v.semver',
      'v.content_hash',
      'v.manifest',
    ]);
}

export async function findInstall(
  trx: TenantTransaction,
  registryId: string,
): Promise<InstallRow | undefined> {
  return installQuery(trx).where('i.registry_id', '=', registryId).executeTakeFirst();
}

/** The install of the extension `ref` names (id or slug), in one query (the gateway's hot path). */
export async function findInstallByRef(
  trx: TenantTransaction,
  ref: ExtensionRef,
): Promise<InstallRow | undefined> {
  const query = installQuery(trx);
  return (
    'id' in ref
      ? query.where('r.id', '=', ref.id)
      : query.where('r.publisher', '=', ref.publisher).where('r.name', '=', ref.name)
  ).executeTakeFirst();
}

export async function listInstalls(trx: TenantTransaction): Promise<InstallRow[]> {
  return installQuery(trx).orderBy('r.publisher').orderBy('r.name').execute();
}

/** Secret names per install id (for `missingSecrets` and the pending status). */
export async function secretNamesByInstall(
  trx: TenantTransaction,
  installIds: readonly string[],
): Promise<Map<string, string[]>> {
  const byInstall = new Map<string, string[]>(installIds.map((id) => [id, []]));
  if (installIds.length === 0) return byInstall;
  const rows = await trx
    .selectFrom('tenant_extension_secret')
    .select(['install_id', 'name'])
    .where('install_id', 'in', installIds)
    .execute();
  for (const row of rows) byInstall.get(row.install_id)?.push(row.name);
  return byInstall;
}

/** Everything an uninstall removes with the install: KV data, secrets, subscriptions. */
export async function deleteInstallData(trx: TenantTransaction, installId: string): Promise<void> {
  await trx.deleteFrom('extension_kv').where('install_id', '=', installId).execute();
  await trx.deleteFrom('tenant_extension_secret').where('install_id', '=', installId).execute();
  await trx.deleteFrom('extension_event_subscription').where('tenant_install_id', '=', installId).execute();
  await trx.deleteFrom('tenant_extension_install').where('id', '=', installId).execute();
}

export async function versionsOf(trx: TenantTransaction, registryId: string) {
  return trx
    .selectFrom('extension_version')
    .select(['id', 'semver', 'content_hash', 'manifest', 'yanked', 'yank_reason'])
    .where('registry_id', '=', registryId)
    .execute();
}
