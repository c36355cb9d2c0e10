import type { Manifest } from '@annex/bundle';
import type { Kek } from '@annex/config';
import { withTenant, type Database, type TenantTransaction } from '@annex/db';
import { decryptValue, encryptValue, sealSecrets, SecretsError, type SecretEnvelope } from '@annex/secrets';
import { sql, type Kysely } from 'kysely';
import type { TenantScope } from '../auth/tenant-access.js';
import type { CatalogService } from '../catalog/catalog-service.js';
import { slugOf } from '../catalog/extension-ref.js';
import type { InstallChanges } from '../installs/install-changes.js';
import { findInstall } from '../installs/install-queries.js';
import { declaredSecrets, missingSecrets } from '../installs/install-views.js';
import { RegistryError } from '../registry-error.js';

export interface SecretView {
  name: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface SecretList {
  items: SecretView[];
  /** Required secrets of the installed version that are not set. */
  missing: string[];
}

/**
 * Install secrets (SPEC section 5): write-only. Values are encrypted at rest with @annex/secrets
 * (AES-256-GCM under the first SECRETS_KEK, bound to tenant, install and name) and leave the
 * registry only sealed for the runner (`secret_envelope`). No value is ever returned, logged or put
 * in an error.
 */
export function createSecretService(deps: {
  db: Kysely<Database>;
  keks: readonly Kek[];
  catalog: CatalogService;
  changes: InstallChanges;
}) {
  const { db, keks, catalog, changes } = deps;

  async function installOf(scope: TenantScope, ref: string) {
    const ext = await catalog.findExtension(scope.principal, ref).catch((err: unknown) => {
      if (err instanceof RegistryError && err.code === 'EXTENSION_NOT_FOUND') throw notInstalled(ref);
      throw err;
    });
    return ext;
  }

  function notInstalled(ref: string) {
    return new RegistryError('INSTALL_NOT_FOUND', `${JSON.stringify(ref)} is not installed for this tenant`);
  }

  async function listIn(trx: TenantTransaction, installId: string, manifest: Manifest): Promise<SecretList> {
    const rows = await trx
      .selectFrom('tenant_extension_secret')
      .select(['name', 'version', 'created_at', 'updated_at'])
      .where('install_id', '=', installId)
      .orderBy('name')
      .execute();
    return {
      items: rows.map((r) => ({
        name: r.name,
        version: r.version,
        createdAt: r.created_at.toISOString(),
        updatedAt: r.updated_at.toISOString(),
      })),
      missing: missingSecrets(
        manifest,
        rows.map((r) => r.name),
      ),
    };
  }

  return {
    /** Sets (or with `null`, removes) the named secrets; names must be declared by the installed version. */
    async put(scope: TenantScope, ref: string, values: Record<string, string | null>): Promise<SecretList> {
      const ext = await installOf(scope, ref);
      const result = await withTenant(db, scope.tenantId, async (trx) => {
        const install = await findInstall(trx, ext.id);
        if (!install) throw notInstalled(ref);
        const manifest = install.manifest as unknown as Manifest;
        const declared = new Set(declaredSecrets(manifest));
        const undeclared = Object.keys(values).filter((name) => !declared.has(name));
        if (undeclared.length > 0) {
          throw new RegistryError(
            'SECRET_NOT_DECLARED',
            `${slugOf(ext)}@${install.semver} declares no secret ${undeclared.join(', ')}${declared.size > 0 ? ` (it declares ${[...declared].join(', ')})` : ''}`,
            { names: undeclared },
          );
        }
        const now = new Date();
        for (const [name, value] of Object.entries(values)) {
          if (value === null) {
            await trx
              .deleteFrom('tenant_extension_secret')
              .where('install_id', '=', install.id)
              .where('name', '=', name)
              .execute();
            continue;
          }
          const sealed = encryptValue(value, keks, {
            tenantId: scope.tenantId,
            installId: install.id,
            name,
          });
          await trx
            .insertInto('tenant_extension_secret')
            .values({
              install_id: install.id,
              tenant_id: scope.tenantId,
              name,
              ciphertext: sealed.ciphertext,
              key_id: sealed.keyId,
              version: 1,
              updated_at: now,
            })
            .onConflict((oc) =>
              oc.columns(['install_id', 'name']).doUpdateSet({
                ciphertext: sealed.ciphertext,
                key_id: sealed.keyId,
                version: sql<number>`tenant_extension_secret.version + 1`,
                updated_at: now,
              }),
            )
            .execute();
        }
        return listIn(trx, install.id, manifest);
      });
      changes.publish({ tenantId: scope.tenantId, extensionId: ext.id, slug: slugOf(ext) });
      return result;
    },

    async list(scope: TenantScope, ref: string): Promise<SecretList> {
      const ext = await installOf(scope, ref);
      return withTenant(db, scope.tenantId, async (trx) => {
        const install = await findInstall(trx, ext.id);
        if (!install) throw notInstalled(ref);
        return listIn(trx, install.id, install.manifest as unknown as Manifest);
      });
    },

    async remove(scope: TenantScope, ref: string, name: string): Promise<void> {
      const ext = await installOf(scope, ref);
      await withTenant(db, scope.tenantId, async (trx) => {
        const install = await findInstall(trx, ext.id);
        if (!install) throw notInstalled(ref);
        const deleted = await trx
          .deleteFrom('tenant_extension_secret')
          .where('install_id', '=', install.id)
          .where('name', '=', name)
          .executeTakeFirst();
        if (Number(deleted.numDeletedRows) === 0) {
          throw new RegistryError('SECRET_NOT_FOUND', `no secret ${name} is set for ${slugOf(ext)}`);
        }
      });
      changes.publish({ tenantId: scope.tenantId, extensionId: ext.id, slug: slugOf(ext) });
    },
  };
}

export type SecretService = ReturnType<typeof createSecretService>;

/**
 * An install's secrets sealed for the runner (`secret_envelope`): decrypted from the table inside
 * the tenant's transaction and sealed at once, so plaintext never outlives this call.
 */
export async function sealInstallSecrets(
  trx: TenantTransaction,
  keks: readonly Kek[],
  binding: { tenantId: string; installId: string },
): Promise<SecretEnvelope> {
  const rows = await trx
    .selectFrom('tenant_extension_secret')
    .select(['name', 'ciphertext', 'key_id'])
    .where('install_id', '=', binding.installId)
    .execute();
  const values: Record<string, string> = {};
  for (const row of rows) {
    try {
      values[row.name] = decryptValue({ ciphertext: row.ciphertext, keyId: row.key_id }, keks, {
        ...binding,
        name: row.name,
      });
    } catch (err) {
      if (!(err instanceof SecretsError)) throw err;
      throw new RegistryError(
        'SECRETS_UNREADABLE',
        `secret ${row.name} cannot be decrypted (${err.code}, key ${row.key_id}); is that key still in SECRETS_KEK?`,
      );
    }
  }
  return sealSecrets(values, keks, binding);
}
