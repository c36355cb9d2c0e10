/**
 * Everything behind the runner's routes, built once per app: caches, transpiler, worker pool, host
 * services, idempotency, tenant limits.
 */
import { join } from 'node:path';
import type { Config } from '@annex/config';
import { closeRedisClient, createRedisClient, type ServiceResources } from '@annex/server';
import type { FastifyBaseLogger } from 'fastify';
import { BundleCache } from './bundle-cache/bundle-cache.js';
import { TenantLimiter } from './concurrency/tenant-limiter.js';
import type { UnsafeTestOnlyEgress } from './egress/test-only-egress.js';
import { observedExecute, type Execute, type ExecutionHooks } from './execute/execution-outcome.js';
import { createExecutor } from './execute/executor.js';
import { hostServices } from './host/host-services.js';
import { IdempotencyStore } from './idempotency/idempotency-store.js';
import { newCacheStats, type CacheStats } from './metrics/cache-stats.js';
import type { CompilePhase } from './metrics/runner-metrics.js';
import { ExecutionLogWriter } from './execution-log/execution-log-writer.js';
import { ModuleCache } from './module-cache/module-cache.js';
import { createQuotas } from './quota/quotas.js';
import { RedisUsage } from './quota/redis-usage.js';
import type { Redis } from 'ioredis';
import { UsageLedger } from './quota/usage-ledger.js';
import { Transpiler } from './module-cache/transpiler.js';
import { WorkerPool } from './pool/worker-pool.js';
import type { RunnerLimits } from './runner-limits.js';

export interface RunnerRuntime {
  /** Gates, the executor, then observers (metrics, quota usage, the execution log). */
  execute: Execute;
  hooks: ExecutionHooks;
  bundles: BundleCache;
  modules: ModuleCache;
  pool: WorkerPool;
  idempotency: IdempotencyStore;
  stats: CacheStats;
  limits: RunnerLimits;
  /** Quota usage, written to the database in batches. */
  usage: UsageLedger;
  /** REDIS_URL's client (quota counts shared at once), when set. */
  redis: Redis | undefined;
  /** Execution log rows of direct calls, written in batches. */
  executionLog: ExecutionLogWriter;
  close(): Promise<void>;
}

export interface RunnerRuntimeOptions {
  config: Config;
  resources: ServiceResources;
  limits: RunnerLimits;
  log: FastifyBaseLogger;
  unsafeTestOnlyEgress?: UnsafeTestOnlyEgress | undefined;
  /** Timing of transpiles and core module compiles (the `annex_module_compile_seconds` histogram). */
  onCompile?: ((phase: CompilePhase, seconds: number) => void) | undefined;
  /** The clock quota windows are counted by (tests pin it). */
  now?: (() => number) | undefined;
}

export async function createRunnerRuntime(options: RunnerRuntimeOptions): Promise<RunnerRuntime> {
  const { config, limits, log } = options;
  const stats = newCacheStats();
  const cacheDir = config.runnerCacheDir;
  const transpiler = new Transpiler(limits.transpileTimeoutMs);
  const pool = new WorkerPool({
    size: config.runnerWorkers,
    queueLimit: limits.queueLimit,
    workerMaxComponents: limits.workerMaxComponents,
    services: hostServices({
      config,
      db: options.resources.database.db,
      limits,
      log,
      unsafeTestOnlyEgress: options.unsafeTestOnlyEgress,
    }),
    log,
  });
  // eslint-disable-next-line prefer-const
  let bundles: BundleCache;
  const modules = new ModuleCache({
    cacheDir,
    secret: config.runnerToken,
    transpiler,
    stats,
    onDiskBytes: (hash, bytes) => bundles.addBytes(hash, bytes),
    onForget: (key) => pool.forget(key),
    ...(options.onCompile ? { onTimed: options.onCompile } : {}),
  });
  bundles = new BundleCache({
    cacheDir,
    store: options.resources.store,
    trustPem: config.trustBundlePem,
    maxBundleBytes: limits.maxBundleBytes,
    maxBytes: limits.cacheMaxBytes,
    stats,
    log,
    extraDirs: (hex) => [join(cacheDir, 'modules', hex)],
    onEvict: (hash) => modules.evict(hash),
  });
  try {
    await bundles.init();
  } catch (err) {
    await pool.close();
    throw err;
  }
  const idempotency = new IdempotencyStore({
    ttlMs: limits.idempotencyTtlMs,
    maxEntries: limits.idempotencyMaxEntries,
    maxBytes: limits.idempotencyMaxBytes,
  });
  const db = options.resources.database.db;
  const usage = new UsageLedger({ db, flushMs: limits.usageFlushMs, log });
  const executionLog = new ExecutionLogWriter({ db, flushMs: limits.usageFlushMs, log });
  const redis = config.env.REDIS_URL
    ? createRedisClient(config.env.REDIS_URL, log, 'quotas are counted from the database meanwhile')
    : undefined;
  const quotas = createQuotas({
    ledger: usage,
    redis: redis ? new RedisUsage(redis) : undefined,
    defaults: config.quotaDefaults,
    now: options.now ?? Date.now,
  });
  const hooks: ExecutionHooks = {
    gates: [quotas.gate],
    observers: [quotas.observer, executionLog.observer],
    onObserverError: (err) => log.error({ err }, 'execution observer failed'),
  };
  const run = createExecutor({
    limits,
    bundles,
    modules,
    pool,
    tenants: new TenantLimiter(limits.tenantConcurrency),
    log,
  });
  return {
    execute: observedExecute(run, hooks),
    hooks,
    bundles,
    modules,
    pool,
    idempotency,
    stats,
    limits,
    usage,
    executionLog,
    redis,
    close: async () => {
      try {
        await pool.close();
        await transpiler.close();
      } finally {
        // Whatever else failed to stop, the usage and log rows in memory are still written.
        await Promise.allSettled([usage.close(), executionLog.close()]);
        if (redis) await closeRedisClient(redis);
      }
    },
  };
}
