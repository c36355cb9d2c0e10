import type { Manifest, ManifestEndpoint } from '@annex/bundle';
import type { Config } from '@annex/config';
import { withTenant, type Database, type InstallQuota, type InstallStatus } from '@annex/db';
import { sealSecrets, type SecretEnvelope } from '@annex/secrets';
import type { Kysely } from 'kysely';
import { parseExtensionRef, slugOf } from '../catalog/extension-ref.js';
import { providersOf } from '../installs/grants.js';
import { effectiveQuota, quotaEnvelope } from '../installs/install-quota.js';
import type { QuotaEnvelope } from './runner-client.js';
import { findInstallByRef, secretNamesByInstall } from '../installs/install-queries.js';
import { effectiveStatus, missingSecrets } from '../installs/install-views.js';
import { sealInstallSecrets } from '../secrets/secret-service.js';

/** Everything a call to one tenant's install needs, loaded in one tenant transaction and cached briefly. */
export interface InstallTarget {
  tenantId: string;
  installId: string;
  extensionId: string;
  slug: string;
  versionId: string;
  version: string;
  contentHash: string;
  status: InstallStatus;
  missingSecrets: string[];
  grantedCaps: string[];
  providers: string[];
  egress: string[];
  config: Record<string, unknown>;
  endpoints: ManifestEndpoint[];
  limits: { timeout_ms: number; memory_mb: number; quota: QuotaEnvelope };
  /** Sealed for the runner; never plaintext. Empty unless `cap:secrets.get` is granted. */
  secretEnvelope: SecretEnvelope;
}

/** Requested limits, defaulted and capped by the platform (capped, never rejected: SPEC section 10). */
export function limitsOf(
  manifest: Manifest,
  config: Config,
  quota: InstallQuota | null,
): InstallTarget['limits'] {
  const { env } = config;
  return {
    quota: quotaEnvelope(effectiveQuota(quota, config.quotaDefaults)),
    timeout_ms: Math.min(manifest.limits?.timeoutMs ?? env.EXT_DEFAULT_TIMEOUT_MS, env.EXT_MAX_TIMEOUT_MS),
    memory_mb: Math.min(manifest.limits?.memoryMb ?? env.EXT_DEFAULT_MEMORY_MB, env.EXT_MAX_MEMORY_MB),
  };
}

/** Loads the target of `ref` for a tenant; undefined when the extension is unknown or not installed. */
export async function loadInstallTarget(
  db: Kysely<Database>,
  config: Config,
  tenantId: string,
  extensionRef: string,
): Promise<InstallTarget | undefined> {
  const ref = parseExtensionRef(extensionRef);
  if (!ref) return undefined;
  return withTenant(db, tenantId, async (trx) => {
    const row = await findInstallByRef(trx, ref);
    if (!row) return undefined;
    const manifest = row.manifest as unknown as Manifest;
    const names = (await secretNamesByInstall(trx, [row.id])).get(row.id) ?? [];
    const missing = missingSecrets(manifest, names);
    const providers = providersOf(row.granted_caps);
    const binding = { tenantId, installId: row.id };
    const status = effectiveStatus(row.status, missing);
    return {
      tenantId,
      installId: row.id,
      extensionId: row.registry_id,
      slug: slugOf(row),
      versionId: row.version_id,
      version: row.semver,
      contentHash: row.content_hash,
      status,
      missingSecrets: missing,
      grantedCaps: row.granted_caps,
      providers,
      egress: row.egress,
      config: row.config,
      endpoints: manifest.api?.endpoints ?? [],
      limits: limitsOf(manifest, config, row.quota),
      // Only an install that can run needs its secrets opened.
      secretEnvelope:
        status === 'enabled' && providers.includes('cap:secrets.get')
          ? await sealInstallSecrets(trx, config.keks, binding)
          : sealSecrets({}, config.keks, binding),
    };
  });
}
