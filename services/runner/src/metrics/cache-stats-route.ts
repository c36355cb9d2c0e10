import type { FastifyInstance } from 'fastify';
import type { RunnerRuntime } from '../runner-runtime.js';

/** `GET /v1/cache/stats`: the caches' counters and the pool's state (bearer auth by the enclosing plugin). */
export async function cacheStatsRoute(
  app: FastifyInstance,
  { runtime }: { runtime: RunnerRuntime },
): Promise<void> {
  app.get('/v1/cache/stats', async () => ({
    bundles: { ...runtime.stats.bundles, ...runtime.bundles.usage() },
    modules: { ...runtime.stats.modules },
    pool: runtime.pool.stats(),
    idempotency: runtime.idempotency.size(),
  }));
}
