import type { EgressRule } from './egress-list.js';
import type { Kek } from './secrets-kek.js';
import type { VariableName } from './variables.js';

/** Per-minute quota limits of one tenant's extension; 0 means unlimited. */
export interface QuotaLimits {
  invocationsPerMinute: number;
  cpuMsPerMinute: number;
  memMbMsPerMinute: number;
  egressBytesPerMinute: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The validated environment, by variable name (SPEC section 7). */
export interface EnvValues {
  DATABASE_URL?: string;
  DATA_DIR: string;
  STORAGE_S3_ENDPOINT?: string;
  STORAGE_S3_ACCESS_KEY?: string;
  STORAGE_S3_SECRET_KEY?: string;
  STORAGE_S3_REGION: string;
  STORAGE_S3_BUCKET?: string;
  STORAGE_S3_FORCE_PATH_STYLE: boolean;
  BUNDLE_STORE_BASE: string;
  RUNNER_BASE_URL?: string;
  RUNNER_PUBLIC_BASE?: string;
  RUNNER_TOKEN?: string;
  EXT_GATEWAY_TIMEOUT_MS: number;
  EXT_GATEWAY_MAX_BODY_BYTES: number;
  EXT_GATEWAY_RATE_LIMIT: number;
  EXT_EXECUTION_LOG_RETENTION_DAYS: number;
  EXT_EVENT_MAX_ATTEMPTS: number;
  EXT_EVENT_RETRY_DELAY_MS: number;
  SIGNING_TRUST_BUNDLE?: string;
  SECRETS_KEK?: string;
  EXT_EGRESS_ALLOWLIST: string;
  EXT_MAX_BUNDLE_BYTES: number;
  EXT_MULTIPART_THRESHOLD_BYTES: number;
  EXT_DEFAULT_TIMEOUT_MS: number;
  EXT_MAX_TIMEOUT_MS: number;
  EXT_DEFAULT_MEMORY_MB: number;
  EXT_MAX_MEMORY_MB: number;
  EXT_MAX_RESPONSE_BYTES: number;
  EXT_IDEMPOTENCY_TTL_MS: number;
  EXT_QUOTA_INVOCATIONS_PER_MINUTE: number;
  EXT_QUOTA_CPU_MS_PER_MINUTE: number;
  EXT_QUOTA_MEM_MB_MS_PER_MINUTE: number;
  EXT_QUOTA_EGRESS_BYTES_PER_MINUTE: number;
  EXT_UI_STRICT: boolean;
  EXT_UI_FRAME_ANCESTORS: string;
  RUNNER_CACHE_DIR?: string;
  RUNNER_CACHE_MAX_BYTES: number;
  RUNNER_WORKERS?: number;
  RUNNER_WARM_INSTANCES: number;
  REDIS_URL?: string;
  REGISTRY_ADMIN_TOKEN?: string;
  LOG_LEVEL: LogLevel;
  HOST: string;
  PORT?: number;
  REGISTRY_PORT: number;
  RUNNER_PORT: number;
}

// Compile-time proof that EnvValues and VARIABLES name the same variables.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _sameNames: Same<keyof EnvValues, VariableName> = true;
void _sameNames;

export type StoreSettings =
  | { kind: 'filesystem'; dir: string; base: string }
  | {
      kind: 's3';
      bucket: string;
      region: string;
      endpoint?: string;
      accessKeyId?: string;
      secretAccessKey?: string;
      forcePathStyle: boolean;
      base: string;
    };

export type DatabaseSettings = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };

/** What a service runs with: the validated variables plus the settings derived from them. */
export interface Config {
  service: 'registry' | 'runner';
  env: EnvValues;
  dataDir: string;
  database: DatabaseSettings;
  store: StoreSettings;
  /** The port this service listens on (PORT, else the service-specific port). */
  port: number;
  host: string;
  logLevel: LogLevel;
  runnerBaseUrl: string;
  runnerPublicBase: string;
  runnerToken: string;
  runnerCacheDir: string;
  runnerWorkers: number;
  /** Decoded keys; the first encrypts. */
  keks: Kek[];
  /** The PEM text of the trust bundle, or undefined when no trust bundle is configured. */
  trustBundlePem?: string;
  egressCeiling: EgressRule[];
  adminToken: string;
  /** Platform default quotas per tenant and extension and minute (EXT_QUOTA_*; 0: unlimited). */
  quotaDefaults: QuotaLimits;
}
