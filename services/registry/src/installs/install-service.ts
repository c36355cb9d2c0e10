import type { Manifest } from '@annex/bundle';
import type { Config } from '@annex/config';
import {
  json,
  withTenant,
  type Database,
  type InstallQuota,
  type PendingUpdate,
  type TenantTransaction,
} from '@annex/db';
import type { Kysely } from 'kysely';
import type { TenantScope } from '../auth/tenant-access.js';
import type { CatalogService } from '../catalog/catalog-service.js';
import type { ExtensionRow } from '../catalog/catalog-views.js';
import { slugOf } from '../catalog/extension-ref.js';
import { RegistryError } from '../registry-error.js';
import { chooseVersion } from './choose-version.js';
import {
  checkCapabilities,
  checkConfig,
  checkEgress,
  defaultEgress,
  grantsBeyond,
  manifestCapabilities,
} from './grants.js';
import { syncSubscriptions } from '../events/subscriptions.js';
import type { InstallChanges } from './install-changes.js';
import {
  deleteInstallData,
  findInstall,
  listInstalls,
  secretNamesByInstall,
  versionsOf,
} from './install-queries.js';
import { checkQuotaChange } from './install-quota.js';
import { installView, type InstallRow, type InstallView } from './install-views.js';

export interface InstallInput {
  extension: string;
  version?: string;
  grantedCaps?: string[];
  egress?: string[];
  config?: Record<string, unknown>;
}

export interface UpdateInput {
  version: string;
  approve?: boolean;
  grantedCaps?: string[];
  egress?: string[];
  config?: Record<string, unknown>;
}

export interface PatchInput {
  config?: Record<string, unknown>;
  /** Per-minute limits; null returns to the platform defaults. */
  quota?: InstallQuota | null;
  grantedCaps?: string[];
  egress?: string[];
}

type Grants = { caps: string[]; egress: string[]; config: Record<string, unknown>; withheld: string[] };

/**
 * Tenant installs (SPEC sections 5 and 10): install, list, enable/disable, update with approval of
 * new grants, patch, uninstall. Every query runs in withTenant; knows nothing of HTTP.
 */
export function createInstallService(deps: {
  db: Kysely<Database>;
  config: Config;
  catalog: CatalogService;
  changes: InstallChanges;
}) {
  const { db, config, catalog, changes } = deps;
  const ceiling = config.egressCeiling;

  /** The extension an install route names; one the caller cannot see is simply not installed. */
  async function installedExtension(scope: TenantScope, ref: string): Promise<ExtensionRow> {
    return catalog.findExtension(scope.principal, ref).catch((err: unknown) => {
      if (err instanceof RegistryError && err.code === 'EXTENSION_NOT_FOUND') throw notInstalled(ref);
      throw err;
    });
  }

  function notInstalled(ref: string) {
    return new RegistryError('INSTALL_NOT_FOUND', `${JSON.stringify(ref)} is not installed for this tenant`);
  }

  async function requireInstall(trx: TenantTransaction, ext: ExtensionRow, ref: string): Promise<InstallRow> {
    const row = await findInstall(trx, ext.id);
    if (!row) throw notInstalled(ref);
    return row;
  }

  async function view(trx: TenantTransaction, row: InstallRow, warning?: string): Promise<InstallView> {
    const names = (await secretNamesByInstall(trx, [row.id])).get(row.id) ?? [];
    const result = installView(row, names, config.runnerPublicBase, config.quotaDefaults);
    return warning ? { ...result, warning } : result;
  }

  function grantsFor(manifest: Manifest, input: PatchInput, fallbackConfig: Record<string, unknown>): Grants {
    const caps = checkCapabilities(input.grantedCaps ?? manifestCapabilities(manifest), manifest);
    let egress: string[];
    let withheld: string[] = [];
    if (input.egress) egress = checkEgress(input.egress, manifest, ceiling);
    else ({ granted: egress, withheld } = defaultEgress(manifest, ceiling));
    const cfg = checkConfig(input.config ?? fallbackConfig, manifest);
    return { caps, egress, config: cfg, withheld };
  }

  function warningFor(ext: ExtensionRow, withheld: string[]): string | undefined {
    const notes: string[] = [];
    if (ext.deprecation) {
      notes.push(
        `${slugOf(ext)} is deprecated: ${ext.deprecation.reason}${ext.deprecation.replacement ? ` (use ${ext.deprecation.replacement} instead)` : ''}`,
      );
    }
    if (withheld.length > 0) {
      notes.push(
        `egress not granted, beyond the platform ceiling (EXT_EGRESS_ALLOWLIST): ${withheld.join(', ')}`,
      );
    }
    return notes.length > 0 ? notes.join('; ') : undefined;
  }

  function changed(scope: TenantScope, ext: ExtensionRow): void {
    changes.publish({ tenantId: scope.tenantId, extensionId: ext.id, slug: slugOf(ext) });
  }

  async function setStatus(scope: TenantScope, ref: string, status: 'enabled' | 'disabled') {
    const ext = await installedExtension(scope, ref);
    const result = await withTenant(db, scope.tenantId, async (trx) => {
      const row = await requireInstall(trx, ext, ref);
      if (row.status !== status) {
        await trx
          .updateTable('tenant_extension_install')
          .set({ status, updated_at: new Date() })
          .where('id', '=', row.id)
          .execute();
      }
      return view(trx, (await findInstall(trx, ext.id))!);
    });
    changed(scope, ext);
    return result;
  }

  return {
    async install(scope: TenantScope, input: InstallInput): Promise<InstallView> {
      const ext = await catalog.findExtension(scope.principal, input.extension);
      const slug = slugOf(ext);
      const result = await withTenant(db, scope.tenantId, async (trx) => {
        const existing = await findInstall(trx, ext.id);
        if (existing) {
          throw new RegistryError('ALREADY_INSTALLED', `${slug} is already installed for this tenant`, {
            installId: existing.id,
            version: existing.semver,
          });
        }
        const versions = await versionsOf(trx, ext.id);
        const target = chooseVersion(slug, versions, input.version ?? 'latest', {
          latest: ext.latest_version,
        });
        const manifest = target.manifest as unknown as Manifest;
        const grants = grantsFor(manifest, input, {});
        const inserted = await trx
          .insertInto('tenant_extension_install')
          .values({
            tenant_id: scope.tenantId,
            registry_id: ext.id,
            version_id: target.id,
            status: 'enabled',
            granted_caps: json(grants.caps),
            egress: json(grants.egress),
            config: json(grants.config),
            pending_update: null,
            updated_at: new Date(),
          })
          .onConflict((oc) => oc.constraint('tenant_extension_install_unique').doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!inserted) {
          throw new RegistryError('ALREADY_INSTALLED', `${slug} is already installed for this tenant`);
        }
        await syncSubscriptions(trx, scope.tenantId, inserted.id, manifest);
        return view(trx, (await findInstall(trx, ext.id))!, warningFor(ext, grants.withheld));
      });
      changed(scope, ext);
      return result;
    },

    async list(scope: TenantScope): Promise<{ items: InstallView[] }> {
      return withTenant(db, scope.tenantId, async (trx) => {
        const rows = await listInstalls(trx);
        const names = await secretNamesByInstall(
          trx,
          rows.map((r) => r.id),
        );
        return {
          items: rows.map((r) =>
            installView(r, names.get(r.id) ?? [], config.runnerPublicBase, config.quotaDefaults),
          ),
        };
      });
    },

    async get(scope: TenantScope, ref: string): Promise<InstallView> {
      const ext = await installedExtension(scope, ref);
      return withTenant(db, scope.tenantId, async (trx) => view(trx, await requireInstall(trx, ext, ref)));
    },

    enable: (scope: TenantScope, ref: string) => setStatus(scope, ref, 'enabled'),
    disable: (scope: TenantScope, ref: string) => setStatus(scope, ref, 'disabled'),

    /**
     * Upgrade or rollback. A target asking for capabilities or egress beyond the current grants is
     * recorded as the install's pending update and answered 409 APPROVAL_REQUIRED, unless `approve`.
     */
    async update(scope: TenantScope, ref: string, input: UpdateInput): Promise<InstallView> {
      const ext = await installedExtension(scope, ref);
      const slug = slugOf(ext);
      const outcome = await withTenant(db, scope.tenantId, async (trx) => {
        const row = await requireInstall(trx, ext, ref);
        const versions = await versionsOf(trx, ext.id);
        const target = chooseVersion(slug, versions, input.version, {
          latest: ext.latest_version,
          keep: row.semver,
        });
        const manifest = target.manifest as unknown as Manifest;
        const grants = grantsFor(manifest, input, row.config);
        const beyond = grantsBeyond(grants, { caps: row.granted_caps, egress: row.egress });
        const now = new Date();
        if ((beyond.capabilities.length > 0 || beyond.egress.length > 0) && input.approve !== true) {
          const pending: PendingUpdate = {
            versionId: target.id,
            version: target.semver,
            grantedCaps: grants.caps,
            egress: grants.egress,
            ...(input.config ? { config: input.config } : {}),
            newCapabilities: beyond.capabilities,
            newEgress: beyond.egress,
            requestedAt: now.toISOString(),
          };
          await trx
            .updateTable('tenant_extension_install')
            .set({ pending_update: json(pending) })
            .where('id', '=', row.id)
            .execute();
          return { kind: 'approval' as const, version: target.semver, ...beyond };
        }
        await trx
          .updateTable('tenant_extension_install')
          .set({
            version_id: target.id,
            granted_caps: json(grants.caps),
            egress: json(grants.egress),
            config: json(grants.config),
            pending_update: null,
            updated_at: now,
          })
          .where('id', '=', row.id)
          .execute();
        await syncSubscriptions(trx, scope.tenantId, row.id, manifest);
        return {
          kind: 'done' as const,
          view: await view(trx, (await findInstall(trx, ext.id))!, warningFor(ext, grants.withheld)),
        };
      });
      changed(scope, ext);
      if (outcome.kind === 'approval') {
        const { version, capabilities, egress } = outcome;
        const listed = [
          capabilities.length > 0 ? `capabilities ${capabilities.join(', ')}` : '',
          egress.length > 0 ? `egress ${egress.join(', ')}` : '',
        ].filter(Boolean);
        throw new RegistryError(
          'APPROVAL_REQUIRED',
          `${slug}@${version} asks for grants beyond the install's: ${listed.join('; ')}. Repeat the update with approve: true to grant them.`,
          { version, capabilities, egress },
        );
      }
      return outcome.view;
    },

    /** Changes config and grants within the installed version's manifest (an explicit grant needs no approval). */
    async patch(scope: TenantScope, ref: string, input: PatchInput): Promise<InstallView> {
      const ext = await installedExtension(scope, ref);
      const result = await withTenant(db, scope.tenantId, async (trx) => {
        const row = await requireInstall(trx, ext, ref);
        const manifest = row.manifest as unknown as Manifest;
        const caps = input.grantedCaps ? checkCapabilities(input.grantedCaps, manifest) : row.granted_caps;
        const egress = input.egress ? checkEgress(input.egress, manifest, ceiling) : row.egress;
        const cfg = input.config ? checkConfig(input.config, manifest) : row.config;
        const quota =
          input.quota === undefined
            ? row.quota
            : checkQuotaChange(scope.principal, input.quota, config.quotaDefaults);
        await trx
          .updateTable('tenant_extension_install')
          .set({
            granted_caps: json(caps),
            egress: json(egress),
            config: json(cfg),
            quota: quota === null ? null : json(quota),
            updated_at: new Date(),
          })
          .where('id', '=', row.id)
          .execute();
        return view(trx, (await findInstall(trx, ext.id))!);
      });
      changed(scope, ext);
      return result;
    },

    /** Removes the install with its KV data, secrets and event subscriptions. */
    async uninstall(scope: TenantScope, ref: string): Promise<void> {
      const ext = await installedExtension(scope, ref);
      await withTenant(db, scope.tenantId, async (trx) => {
        const row = await requireInstall(trx, ext, ref);
        await deleteInstallData(trx, row.id);
      });
      changed(scope, ext);
    },
  };
}

export type InstallService = ReturnType<typeof createInstallService>;
