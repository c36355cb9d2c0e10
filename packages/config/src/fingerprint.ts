import { createHash } from 'node:crypto';
import type { Config } from './config.js';
import { formatEgressRule } from './egress-list.js';

/** The settings registry and runner must agree on; a mismatch breaks publishing, execution or secrets. */
export const SHARED_SETTINGS = [
  'STORAGE_S3_ENDPOINT',
  'STORAGE_S3_BUCKET',
  'BUNDLE_STORE_BASE',
  'SIGNING_TRUST_BUNDLE',
  'EXT_EGRESS_ALLOWLIST',
  'SECRETS_KEK',
  'RUNNER_TOKEN',
  'EXT_QUOTA_INVOCATIONS_PER_MINUTE',
  'EXT_QUOTA_CPU_MS_PER_MINUTE',
  'EXT_QUOTA_MEM_MB_MS_PER_MINUTE',
  'EXT_QUOTA_EGRESS_BYTES_PER_MINUTE',
] as const;

export interface Fingerprint {
  service: 'registry' | 'runner';
  fingerprint: string;
  settings: Record<(typeof SHARED_SETTINGS)[number], string>;
}

function digest(name: string, value: string): string {
  return createHash('sha256').update(`annex-fingerprint-v1\0${name}\0${value}`).digest('hex');
}

/** Canonical text of each shared setting: what it means, not how it was spelled. */
function canonical(config: Config): Record<(typeof SHARED_SETTINGS)[number], string> {
  const store = config.store;
  return {
    STORAGE_S3_ENDPOINT:
      store.kind === 's3' ? (store.endpoint ?? `aws:${store.region}`) : `file:${store.dir}`,
    STORAGE_S3_BUCKET: store.kind === 's3' ? store.bucket : '',
    BUNDLE_STORE_BASE: store.base,
    SIGNING_TRUST_BUNDLE: (config.trustBundlePem ?? '').replace(/\r\n/g, '\n').trim(),
    EXT_EGRESS_ALLOWLIST: config.egressCeiling.map(formatEgressRule).sort().join(','),
    // Key ids only: the keys themselves never leave the process, even hashed.
    SECRETS_KEK: config.keks.map((k) => k.id).join(','),
    RUNNER_TOKEN: config.runnerToken,
    EXT_QUOTA_INVOCATIONS_PER_MINUTE: String(config.quotaDefaults.invocationsPerMinute),
    EXT_QUOTA_CPU_MS_PER_MINUTE: String(config.quotaDefaults.cpuMsPerMinute),
    EXT_QUOTA_MEM_MB_MS_PER_MINUTE: String(config.quotaDefaults.memMbMsPerMinute),
    EXT_QUOTA_EGRESS_BYTES_PER_MINUTE: String(config.quotaDefaults.egressBytesPerMinute),
  };
}

/** Hashes of the shared settings (SPEC section 10) for `GET /v1/config/fingerprint`. */
export function configFingerprint(config: Config): Fingerprint {
  const values = canonical(config);
  const settings = Object.fromEntries(
    SHARED_SETTINGS.map((name) => [name, digest(name, values[name])]),
  ) as Fingerprint['settings'];
  const fingerprint = createHash('sha256')
    .update(SHARED_SETTINGS.map((name) => `${name}=${settings[name]}`).join('\n'))
    .digest('hex');
  return { service: config.service, fingerprint, settings };
}

/** Names of the shared settings whose hashes differ between two fingerprints. */
export function compareFingerprints(a: Fingerprint, b: Fingerprint): string[] {
  return SHARED_SETTINGS.filter((name) => a.settings[name] !== b.settings[name]);
}
