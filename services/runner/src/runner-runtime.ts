/**
 * Everything behind the runner's routes, built once per app: caches, transpiler, worker pool, host
 * services, idempotency, tenant limits.
 */
import { join } from 'node:path';
import type { Config } from '@annex/config';
import type { ServiceResources } from '@annex/server';
import type { FastifyBaseLogger } from 'fastify';
import { BundleCache } from './bundle-cache/bundle-cache.js';
import { TenantLimiter } from './concurrency/tenant-limiter.js';
import type { UnsafeTestOnlyEgress } from './egress/test-only-egress.js';
import { createExecutor } from './execute/executor.js';
import { hostServices } from './host/host-services.js';
import { IdempotencyStore } from './idempotency/idempotency-store.js';
import { newCacheStats, type CacheStats } from './metrics/cache-stats.js';
import { ModuleCache } from './module-cache/module-cache.js';
import { Transpiler } from './module-cache/transpiler.js';
import { WorkerPool } from './pool/worker-pool.js';
import type { RunnerLimits } from './runner-limits.js';

export interface RunnerRuntime {
  execute: ReturnType<typeof createExecutor>;
  bundles: BundleCache;
  modules: ModuleCache;
  pool: WorkerPool;
  idempotency: IdempotencyStore;
  stats: CacheStats;
  limits: RunnerLimits;
  close(): Promise<void>;
}

export interface RunnerRuntimeOptions {
  config: Config;
  resources: ServiceResources;
  limits: RunnerLimits;
  log: FastifyBaseLogger;
  unsafeTestOnlyEgress?: UnsafeTestOnlyEgress | undefined;
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
  const execute = createExecutor({
    limits,
    bundles,
    modules,
    pool,
    tenants: new TenantLimiter(limits.tenantConcurrency),
    log,
  });
  return {
    execute,
    bundles,
    modules,
    pool,
    idempotency,
    stats,
    limits,
    close: async () => {
      await pool.close();
      await transpiler.close();
    },
  };
}
