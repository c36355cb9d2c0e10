import type { Config } from '@annex/config';

const MiB = 1024 * 1024;

/**
 * Every limit the runner enforces. The first group comes from the environment (SPEC section 7);
 * the rest are built-in defaults documented in the README, overridable by whoever builds the app
 * (tests use small ones) but not by configuration.
 */
export interface RunnerLimits {
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
  defaultMemoryMb: number;
  maxMemoryMb: number;
  /** Guest response body (EXT_MAX_RESPONSE_BYTES): above it 502 RESPONSE_TOO_LARGE. */
  maxResponseBytes: number;
  /** Decoded request body (EXT_GATEWAY_MAX_BODY_BYTES): above it 413. */
  maxRequestBodyBytes: number;
  /** Largest compressed bundle fetched from the store (EXT_MAX_BUNDLE_BYTES). */
  maxBundleBytes: number;
  cacheMaxBytes: number;
  idempotencyTtlMs: number;

  /** Requests one tenant may have running or queued at once; beyond it 429. */
  tenantConcurrency: number;
  /** Requests waiting for a worker, all tenants together; beyond it 429. */
  queueLimit: number;
  /** A warm instance is replaced after this many calls. */
  instanceMaxUses: number;
  /** Warm instances one worker keeps (RUNNER_WARM_INSTANCES; least recently used are dropped). */
  warmInstancesPerWorker: number;
  /** Distinct components one worker loads before it is replaced (their glue stays in its module map). */
  workerMaxComponents: number;
  /** Response headers of a guest, count and bytes. */
  maxResponseHeaders: number;
  maxResponseHeaderBytes: number;
  idempotencyMaxEntries: number;
  idempotencyMaxBytes: number;
  log: { maxLineBytes: number; maxLinesPerCall: number; maxBytesPerCall: number };
  kv: {
    maxKeyBytes: number;
    maxValueBytes: number;
    maxKeysPerInstall: number;
    maxBytesPerInstall: number;
    maxListLimit: number;
  };
  http: {
    maxTimeoutMs: number;
    maxResponseBytes: number;
    maxRequestBytes: number;
    maxRedirects: number;
  };
  /** How often quota usage and execution log rows are written to the database, in batches. */
  usageFlushMs: number;
  /** Seconds a transpile may take before it is abandoned (a hostile component cannot hang it). */
  transpileTimeoutMs: number;
}

export type RunnerLimitOverrides = Partial<Omit<RunnerLimits, 'log' | 'kv' | 'http'>> & {
  log?: Partial<RunnerLimits['log']>;
  kv?: Partial<RunnerLimits['kv']>;
  http?: Partial<RunnerLimits['http']>;
};

export function runnerLimits(config: Config, overrides: RunnerLimitOverrides = {}): RunnerLimits {
  const env = config.env;
  const workers = config.runnerWorkers;
  const defaults: RunnerLimits = {
    defaultTimeoutMs: env.EXT_DEFAULT_TIMEOUT_MS,
    maxTimeoutMs: env.EXT_MAX_TIMEOUT_MS,
    defaultMemoryMb: env.EXT_DEFAULT_MEMORY_MB,
    maxMemoryMb: env.EXT_MAX_MEMORY_MB,
    maxResponseBytes: env.EXT_MAX_RESPONSE_BYTES,
    maxRequestBodyBytes: env.EXT_GATEWAY_MAX_BODY_BYTES,
    maxBundleBytes: env.EXT_MAX_BUNDLE_BYTES,
    cacheMaxBytes: env.RUNNER_CACHE_MAX_BYTES,
    idempotencyTtlMs: env.EXT_IDEMPOTENCY_TTL_MS,
    tenantConcurrency: Math.max(4, workers * 2),
    queueLimit: Math.max(64, workers * 32),
    instanceMaxUses: 10_000,
    usageFlushMs: 1000,
    warmInstancesPerWorker: env.RUNNER_WARM_INSTANCES,
    workerMaxComponents: 64,
    maxResponseHeaders: 100,
    maxResponseHeaderBytes: 64 * 1024,
    idempotencyMaxEntries: 10_000,
    idempotencyMaxBytes: 64 * MiB,
    log: { maxLineBytes: 4096, maxLinesPerCall: 100, maxBytesPerCall: 64 * 1024 },
    kv: {
      maxKeyBytes: 512,
      maxValueBytes: 1 * MiB,
      maxKeysPerInstall: 10_000,
      maxBytesPerInstall: 64 * MiB,
      maxListLimit: 1000,
    },
    http: { maxTimeoutMs: 10_000, maxResponseBytes: 8 * MiB, maxRequestBytes: 8 * MiB, maxRedirects: 5 },
    transpileTimeoutMs: 120_000,
  };
  return {
    ...defaults,
    ...overrides,
    log: { ...defaults.log, ...overrides.log },
    kv: { ...defaults.kv, ...overrides.kv },
    http: { ...defaults.http, ...overrides.http },
  };
}
