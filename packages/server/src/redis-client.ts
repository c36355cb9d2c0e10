import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';

/**
 * The Redis client of REDIS_URL for counters shared across instances (gateway rate limits, runner
 * quotas): a call never waits for Redis to come back (no offline queue, one retry), and an outage is
 * logged once (and its end), not at every reconnect attempt or call. `whileDown` says what callers
 * fall back to.
 */
export function createRedisClient(url: string, log: FastifyBaseLogger, whileDown: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log.warn({ err }, `Redis is unreachable; ${whileDown}`);
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info('Redis is reachable again');
    down = false;
  });
  return redis;
}

/** Closes a client from createRedisClient, whatever state it is in. */
export async function closeRedisClient(redis: Redis): Promise<void> {
  await redis.quit().catch(() => redis.disconnect());
}

/**
 * `annex_redis_up` (1 connected, 0 not) on a service's /metrics. Readiness leaves Redis out: the
 * services fall back (no shared rate limit, database-counted quotas) rather than stop serving, so
 * an outage is something to alert on, not a reason to take every replica out of its Service.
 */
export function observeRedis(redis: Redis, registry: Registry): void {
  new Gauge({
    name: 'annex_redis_up',
    help: 'Whether the REDIS_URL client is connected (1) or not (0)',
    registers: [registry],
    collect() {
      this.set(redis.status === 'ready' ? 1 : 0);
    },
  });
}
