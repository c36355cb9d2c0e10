import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { RegistryError } from '../registry-error.js';

export interface GatewayRateLimitOptions {
  /** Calls per window per tenant and extension; 0 turns limiting off. */
  max: number;
  windowMs: number;
  /** Counters shared by every registry instance (REDIS_URL). Unset: in-process counters. */
  redis?: Redis;
}

export interface RateVerdict {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/** Counts one call against `key`; throws 429 RATE_LIMITED with Retry-After when over the limit. */
export type GatewayRateLimiter = (request: FastifyRequest, key: string) => Promise<RateVerdict | undefined>;

const KEY = Symbol('annex.rateLimitKey');
type KeyedRequest = FastifyRequest & { [KEY]?: string };

/**
 * Per tenant and extension limits for the gateway, on @fastify/rate-limit: a fixed window counted
 * in Redis when REDIS_URL is set (so the limit holds across instances), in memory otherwise. When
 * Redis cannot answer, calls are let through and a warning logged: the limiter protects the
 * runners, it must not become the reason every tenant's calls fail.
 */
export async function registerGatewayRateLimit(
  app: FastifyInstance,
  options: GatewayRateLimitOptions,
): Promise<GatewayRateLimiter> {
  if (options.max <= 0) return async () => undefined;
  await app.register(rateLimit, {
    global: false,
    max: options.max,
    timeWindow: options.windowMs,
    ...(options.redis ? { redis: options.redis, nameSpace: 'annex:gateway-rate:' } : {}),
  });
  const check = app.createRateLimit({ keyGenerator: (request) => (request as KeyedRequest)[KEY] ?? '' });

  return async (request, key) => {
    (request as KeyedRequest)[KEY] = key;
    let result;
    try {
      result = await check(request);
    } catch (err) {
      request.log.debug({ err }, 'rate limit store unavailable: call let through');
      return undefined;
    }
    if (result.isAllowed) return undefined;
    const verdict = { limit: result.max, remaining: result.remaining, resetSeconds: result.ttlInSeconds };
    if (result.isExceeded) {
      throw new RegistryError(
        'RATE_LIMITED',
        `too many calls to this extension for this tenant: at most ${result.max} per ${Math.round(options.windowMs / 1000)} s`,
        { limit: result.max, windowSeconds: Math.round(options.windowMs / 1000) },
        { retryAfterSeconds: Math.max(1, result.ttlInSeconds) },
      );
    }
    return verdict;
  };
}
