/**
 * Quota usage counted in Redis when REDIS_URL is set: every runner instance sees every other's
 * calls at once, not a flush interval later. The database rows (usage-ledger.ts) are still written;
 * they are the record. When Redis cannot answer, callers fall back to the database counts.
 */
import type { Redis } from 'ioredis';
import { WINDOW_MS } from './quota-window.js';
import { USAGE_FIELDS, type Usage } from './usage.js';

const keyOf = (tenantId: string, extensionId: string, windowStart: number) =>
  `annex:quota:${tenantId}:${extensionId}:${windowStart}`;
/** A window's key outlives it by two minutes, for late additions. */
const TTL_SECONDS = Math.ceil((3 * WINDOW_MS) / 1000);

export class RedisUsage {
  constructor(private readonly redis: Redis) {}

  /** Counts one invocation; answers the window's usage before it, or undefined when Redis is away. */
  async countInvocation(
    tenantId: string,
    extensionId: string,
    windowStart: number,
  ): Promise<Usage | undefined> {
    if (this.redis.status !== 'ready') return undefined;
    const key = keyOf(tenantId, extensionId, windowStart);
    try {
      const results = await this.redis
        .multi()
        .hincrby(key, 'invocations', 1)
        .hgetall(key)
        .expire(key, TTL_SECONDS)
        .exec();
      const hash = results?.[1]?.[1] as Record<string, string> | undefined;
      if (!hash) return undefined;
      const usage = Object.fromEntries(
        USAGE_FIELDS.map((f) => [f, Number(hash[f] ?? 0)]),
      ) as unknown as Usage;
      usage.invocations -= 1;
      return usage;
    } catch {
      return undefined;
    }
  }

  /** Adds what an execution used (fire and forget: a lost addition only loosens the next check). */
  add(tenantId: string, extensionId: string, windowStart: number, delta: Omit<Usage, 'invocations'>): void {
    if (this.redis.status !== 'ready') return;
    const key = keyOf(tenantId, extensionId, windowStart);
    const pipeline = this.redis.pipeline();
    for (const field of ['cpuMs', 'memMbMs', 'egressBytes'] as const) {
      if (delta[field] > 0) pipeline.hincrbyfloat(key, field, delta[field]);
    }
    pipeline.expire(key, TTL_SECONDS);
    pipeline.exec().catch(() => undefined);
  }
}
