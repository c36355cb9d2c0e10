import type { QuotaLimits } from '@annex/config';
import type { InstallQuota } from '@annex/db';
import type { Principal } from '../auth/principal.js';
import type { QuotaEnvelope } from '../gateway/runner-client.js';
import { RegistryError } from '../registry-error.js';

const FIELDS = [
  'invocationsPerMinute',
  'cpuMsPerMinute',
  'memMbMsPerMinute',
  'egressBytesPerMinute',
] as const;

/** The install's limits, each one its own when set, else the platform default (EXT_QUOTA_*). */
export function effectiveQuota(stored: InstallQuota | null, defaults: QuotaLimits): QuotaLimits {
  const out = { ...defaults };
  for (const field of FIELDS) {
    const value = stored?.[field];
    if (value !== undefined) out[field] = value;
  }
  return out;
}

/** 0 is unlimited: the loosest of all. */
const looser = (value: number, than: number) => than > 0 && (value === 0 || value > than);

/**
 * A quota change as stored (null: back to the platform defaults). Tenant keys may tighten a
 * limit; only an operator's admin key may loosen one past the platform
 * default, since quotas protect the platform's capacity.
 */
export function checkQuotaChange(
  principal: Principal,
  requested: InstallQuota | null,
  defaults: QuotaLimits,
): InstallQuota | null {
  if (requested === null) return null;
  const out: InstallQuota = {};
  for (const field of FIELDS) {
    const value = requested[field];
    if (value === undefined) continue;
    if (principal.role !== 'admin' && looser(value, defaults[field])) {
      throw new RegistryError(
        'FORBIDDEN',
        `only an admin key can set ${field} above the platform default (${defaults[field]}); 0 means unlimited`,
        { field, platformDefault: defaults[field] },
      );
    }
    out[field] = value;
  }
  return Object.keys(out).length === 0 ? null : out;
}

/** The quota as the runner's envelope carries it (`limits.quota`). */
export function quotaEnvelope(quota: QuotaLimits): QuotaEnvelope {
  return {
    invocations_per_minute: quota.invocationsPerMinute,
    cpu_ms_per_minute: quota.cpuMsPerMinute,
    mem_mb_ms_per_minute: quota.memMbMsPerMinute,
    egress_bytes_per_minute: quota.egressBytesPerMinute,
  };
}
