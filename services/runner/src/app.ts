import type { Config } from '@annex/config';
import {
  bearerMatches,
  createServer,
  observeRedis,
  opsRoutes,
  readinessChecks,
  type ServiceResources,
} from '@annex/server';
import type { FastifyInstance } from 'fastify';
import type { UnsafeTestOnlyEgress } from './egress/test-only-egress.js';
import { extUiRoute } from './ext-ui/ext-ui-route.js';
import { OwnershipCache } from './ext-ui/ownership.js';
import { executeRoute } from './execute/execute-route.js';
import { warmupRoute } from './execute/warmup-route.js';
import { cacheStatsRoute } from './metrics/cache-stats-route.js';
import { createRunnerMetrics } from './metrics/runner-metrics.js';
import { runnerErrors } from './runner-errors.js';
import { runnerLimits, type RunnerLimitOverrides } from './runner-limits.js';
import { createRunnerRuntime, type RunnerRuntime } from './runner-runtime.js';

export interface RunnerAppOptions {
  config: Config;
  resources: ServiceResources;
  /** Built-in limits to change (tests use small ones); the environment's limits come from `config`. */
  limits?: RunnerLimitOverrides;
  /** Where logs go (default stdout); tests read guest log lines from it. */
  logStream?: NodeJS.WritableStream;
  /** FOR TESTS ONLY; see egress/test-only-egress.ts. No configuration can set it. */
  unsafeTestOnlyEgress?: UnsafeTestOnlyEgress;
  /** FOR TESTS: the clock quota windows are counted by. */
  now?: () => number;
}

declare module 'fastify' {
  interface FastifyInstance {
    runner: RunnerRuntime;
  }
}

/** The runner as a Fastify app (SPEC section 6). */
export async function buildRunnerApp(options: RunnerAppOptions): Promise<FastifyInstance> {
  const { config, resources } = options;
  const app = createServer({
    service: 'runner',
    logLevel: config.logLevel,
    ...(options.logStream ? { logStream: options.logStream } : {}),
  });
  const metrics = createRunnerMetrics(app.metrics.registry);
  const runtime = await createRunnerRuntime({
    config,
    resources,
    limits: runnerLimits(config, options.limits),
    log: app.log,
    onCompile: metrics.observeCompile,
    unsafeTestOnlyEgress: options.unsafeTestOnlyEgress,
    now: options.now,
  });
  metrics.attach(runtime);
  if (runtime.redis) observeRedis(runtime.redis, app.metrics.registry);
  app.decorate('runner', runtime);
  app.addHook('onClose', () => runtime.close());
  await app.register(opsRoutes, {
    config,
    // Not Redis: quotas fall back to the database counts, so an outage must not take runners out
    // (annex_redis_up on /metrics says when it is down).
    checks: readinessChecks(resources),
    authorizeOperator: (request) => bearerMatches(request, config.runnerToken),
  });
  // Public, immutable UI assets: no bearer auth (SPEC section 6, `/ext-ui`).
  await app.register(extUiRoute, {
    runtime,
    ownership: config.env.EXT_UI_STRICT ? new OwnershipCache({ db: resources.database.db }) : null,
    frameAncestors: config.env.EXT_UI_FRAME_ANCESTORS,
  });
  // Every runner API route needs RUNNER_TOKEN; checked before the body is read or validated.
  await app.register(async (api) => {
    api.addHook('onRequest', async (request) => {
      if (!bearerMatches(request, config.runnerToken)) throw runnerErrors.unauthorized();
    });
    await api.register(executeRoute, { runtime });
    await api.register(warmupRoute, { runtime });
    await api.register(cacheStatsRoute, { runtime });
  });
  return app;
}
