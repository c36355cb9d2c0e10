import type { Manifest } from '@annex/bundle';
import type { QuotaLimits } from '@annex/config';
import type { InstallQuota, InstallStatus, PendingUpdate } from '@annex/db';
import { slugOf } from '../catalog/extension-ref.js';
import { effectiveQuota } from './install-quota.js';
import type { Deprecation } from '../catalog/catalog-views.js';

/** An install joined with its extension and version. */
export interface InstallRow {
  id: string;
  tenant_id: string;
  registry_id: string;
  version_id: string;
  status: InstallStatus;
  granted_caps: string[];
  egress: string[];
  config: Record<string, unknown>;
  pending_update: PendingUpdate | null;
  quota: InstallQuota | null;
  created_at: Date;
  updated_at: Date;
  publisher: string;
  name: string;
  deprecation: Deprecation | null;
  semver: string;
  content_hash: string;
  manifest: Record<string, unknown>;
}

export interface InstallView {
  id: string;
  tenantId: string;
  extension: { id: string; slug: string };
  version: string;
  contentHash: string;
  status: InstallStatus;
  grantedCaps: string[];
  egress: string[];
  config: Record<string, unknown>;
  uiUrl: string | null;
  /** Required secrets (manifest `secrets[].required`) not set yet; while any is missing the install is `pending`. */
  missingSecrets: string[];
  pendingUpdate: {
    version: string;
    newCapabilities: string[];
    newEgress: string[];
    requestedAt: string;
  } | null;
  /** Per-minute limits in force: the install's own, else the platform defaults (0: unlimited). */
  quota: QuotaLimits;
  createdAt: string;
  updatedAt: string;
  /** Set on install and update when there is something to know: a deprecation, egress left out. */
  warning?: string;
}

export function requiredSecrets(manifest: Manifest): string[] {
  return (manifest.secrets ?? []).filter((s) => s.required === true).map((s) => s.name);
}

export function declaredSecrets(manifest: Manifest): string[] {
  return (manifest.secrets ?? []).map((s) => s.name);
}

/** Required secret names of the manifest that are not among `present`. */
export function missingSecrets(manifest: Manifest, present: Iterable<string>): string[] {
  const have = new Set(present);
  return requiredSecrets(manifest).filter((name) => !have.has(name));
}

/**
 * `enabled` or `disabled` as stored; an enabled install still missing a required secret answers
 * `pending`: it cannot be called until the secret is set (docs/installs.md).
 */
export function effectiveStatus(stored: InstallStatus, missing: readonly string[]): InstallStatus {
  return stored === 'enabled' && missing.length > 0 ? 'pending' : stored;
}

/** The iframe URL of the version's UI on the runner (`GET /ext-ui/{extensionId}/{contentHash}/…`). */
export function uiUrlOf(
  runnerPublicBase: string,
  extensionId: string,
  contentHash: string,
  manifest: Manifest,
) {
  if (!manifest.ui) return null;
  const entry = manifest.ui.entry.replace(/^ui\//, '');
  return `${runnerPublicBase}/ext-ui/${extensionId}/${contentHash}/${entry}`;
}

export function installView(
  row: InstallRow,
  secretNames: Iterable<string>,
  runnerPublicBase: string,
  quotaDefaults: QuotaLimits,
): InstallView {
  const manifest = row.manifest as unknown as Manifest;
  const missing = missingSecrets(manifest, secretNames);
  const pending = row.pending_update;
  return {
    id: row.id,
    tenantId: row.tenant_id,
    extension: { id: row.registry_id, slug: slugOf(row) },
    version: row.semver,
    contentHash: row.content_hash,
    status: effectiveStatus(row.status, missing),
    grantedCaps: row.granted_caps,
    egress: row.egress,
    config: row.config,
    uiUrl: uiUrlOf(runnerPublicBase, row.registry_id, row.content_hash, manifest),
    missingSecrets: missing,
    pendingUpdate: pending
      ? {
          version: pending.version,
          newCapabilities: pending.newCapabilities,
          newEgress: pending.newEgress,
          requestedAt: pending.requestedAt,
        }
      : null,
    quota: effectiveQuota(row.quota, quotaDefaults),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
