import type { FastifyInstance } from 'fastify';
import type { RunnerRuntime } from '../runner-runtime.js';
import { bundleHitsAndMisses, hitRatio } from './cache-stats.js';

/**
 * `GET /v1/cache/stats`: the caches' counters, hit ratios (null before the first lookup), compiled
 * modules in memory and the pool's state with its warm instances (bearer auth by the enclosing plugin).
 */
export async function cacheStatsRoute(
  app: FastifyInstance,
  { runtime }: { runtime: RunnerRuntime },
): Promise<void> {
  app.get('/v1/cache/stats', async () => {
    const bundles = bundleHitsAndMisses(runtime.stats);
    const modules = runtime.stats.modules;
    return {
      bundles: {
        ...runtime.stats.bundles,
        ...runtime.bundles.usage(),
        hitRatio: hitRatio(bundles.hits, bundles.misses),
      },
      modules: {
        ...modules,
        compiled: runtime.modules.compiledCount,
        hitRatio: hitRatio(modules.hits, modules.misses),
      },
      pool: runtime.pool.stats(),
      idempotency: runtime.idempotency.size(),
    };
  });
}
