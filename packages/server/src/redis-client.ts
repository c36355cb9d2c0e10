import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';

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
