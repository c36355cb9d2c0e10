import type { Config } from '@annex/config';
import {
  closeRedisClient,
  createRedisClient,
  observeRedis,
  createServer,
  opsRoutes,
  readinessChecks,
  type ServiceResources,
} from '@annex/server';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiKeyRoutes } from './api-keys/api-key-routes.js';
import { createApiKeyService } from './api-keys/api-key-service.js';
import { createAuthenticator } from './auth/authenticate.js';
import type { Principal } from './auth/principal.js';
import { catalogRoutes } from './catalog/catalog-routes.js';
import { createCatalogService } from './catalog/catalog-service.js';
import { executionRoutes } from './executions/execution-routes.js';
import { createExecutionLog } from './executions/execution-log.js';
import { createEventDispatcher, eventDispatchSettings } from './events/event-dispatcher.js';
import { eventRoutes } from './events/event-routes.js';
import { createEventService } from './events/event-service.js';
import { startRetentionPurge } from './executions/retention.js';
import { usageRoutes } from './executions/usage-routes.js';
import { createGatewayService } from './gateway/gateway-service.js';
import { registerGatewayRateLimit } from './gateway/gateway-rate-limit.js';
import { gatewayRoutes } from './gateway/gateway-routes.js';
import { createInstallCache } from './gateway/install-cache.js';
import { loadInstallTarget } from './gateway/install-target.js';
import { resolveRoute } from './gateway/resolve-route.js';
import { createRunnerClient, type RunnerClient } from './gateway/runner-client.js';
import { registerOpenApi } from './http/openapi.js';
import { createInstallChanges } from './installs/install-changes.js';
import { installRoutes } from './installs/install-routes.js';
import { createInstallService } from './installs/install-service.js';
import { secretRoutes } from './secrets/secret-routes.js';
import { createSecretService } from './secrets/secret-service.js';
import { createFinalizer } from './uploads/finalize-upload.js';
import { uploadContentRoute } from './uploads/upload-content-route.js';
import { createUploadMetrics, instrumentFinalize, instrumentUploads } from './uploads/upload-metrics.js';
import { uploadRoutes } from './uploads/upload-routes.js';
import { createUploadService } from './uploads/upload-service.js';

export interface RegistryAppOptions {
  config: Config;
  resources: ServiceResources;
  /** How the gateway reaches the runner; default: HTTP to RUNNER_BASE_URL (tests may pass their own). */
  runnerClient?: RunnerClient;
  /** How long the gateway trusts a cached install lookup (default 5 s): the staleness bound across instances. */
  installCacheTtlMs?: number;
  /** Where logs go (default stdout); tests pass a stream to read them. */
  logStream?: NodeJS.WritableStream;
  /** Longest wait between two looks at the event delivery queue (default 1 s; tests may shorten it). */
  eventPollIntervalMs?: number;
}

const INSTALL_CACHE_TTL_MS = 5000;
const INSTALL_CACHE_ENTRIES = 10_000;
/** Base64 grows the guest body by 4/3; headers and metrics fit in the rest. */
const answerCap = (maxResponseBytes: number) => Math.ceil((maxResponseBytes * 4) / 3) + 1024 * 1024;

/** The registry as a Fastify app: one plugin per resource, registered here in one place. */
export async function buildRegistryApp(options: RegistryAppOptions): Promise<FastifyInstance> {
  const { config, resources } = options;
  const { db } = resources.database;
  const app = createServer({
    service: 'registry',
    logLevel: config.logLevel,
    ...(options.logStream ? { logStream: options.logStream } : {}),
  });
  await registerOpenApi(app);

  const redis = config.env.REDIS_URL
    ? createRedisClient(config.env.REDIS_URL, app.log, 'gateway calls are not rate limited meanwhile')
    : undefined;
  if (redis) {
    observeRedis(redis, app.metrics.registry);
    app.addHook('onClose', async () => closeRedisClient(redis));
  }
  const authenticator = createAuthenticator(db, config.adminToken);
  await app.register(opsRoutes, {
    config,
    // Not Redis: the gateway lets calls through unlimited while it is down (gateway-rate-limit.ts);
    // failing readiness would take every replica out of service for it. annex_redis_up alerts instead.
    checks: readinessChecks(resources),
    authorizeOperator: async (request) =>
      (await authenticator.authenticate(request).catch(() => undefined))?.role === 'admin',
  });

  const apiKeys = createApiKeyService(db);
  const catalog = createCatalogService(db, config.runnerPublicBase);
  const { store } = resources;
  const uploadMetrics = createUploadMetrics(app.metrics.registry);
  const uploads = instrumentUploads(createUploadService({ db, store, config, log: app.log }), uploadMetrics);
  const finalize = instrumentFinalize(
    createFinalizer({ db, store, config, catalog, log: app.log }),
    uploadMetrics,
  );
  const changes = createInstallChanges();
  const installs = createInstallService({ db, config, catalog, changes });
  const secrets = createSecretService({ db, keks: config.keks, catalog, changes });
  const executions = createExecutionLog({ db, catalog });
  const purge = startRetentionPurge({
    db,
    retentionDays: config.env.EXT_EXECUTION_LOG_RETENTION_DAYS,
    log: app.log,
  });
  app.addHook('onClose', async () => purge.close());
  const cache = createInstallCache(
    {
      ttlMs: options.installCacheTtlMs ?? INSTALL_CACHE_TTL_MS,
      maxEntries: INSTALL_CACHE_ENTRIES,
      load: (tenantId, ref) => loadInstallTarget(db, config, tenantId, ref),
    },
    changes,
  );
  app.addHook('onClose', async () => cache.close());
  const runner =
    options.runnerClient ??
    createRunnerClient({
      baseUrl: config.runnerBaseUrl,
      token: config.runnerToken,
      timeoutMs: config.env.EXT_GATEWAY_TIMEOUT_MS,
      maxAnswerBytes: answerCap(config.env.EXT_MAX_RESPONSE_BYTES),
    });
  const gateway = createGatewayService({ cache, runner });
  const dispatcher = createEventDispatcher({
    db,
    runner,
    executions,
    loadTarget: (tenantId, extensionId) => cache.get(tenantId, extensionId),
    log: app.log,
    settings: eventDispatchSettings(config, options.eventPollIntervalMs),
  });
  app.addHook('onReady', async () => dispatcher.start());
  app.addHook('onClose', async () => dispatcher.close());
  const events = createEventService({ db, onQueued: () => dispatcher.wake() });

  // Authorized by its own rules (API key or upload token), so outside the API-key hook below.
  await app.register(uploadContentRoute, { uploads, authenticator });
  // The gateway authenticates itself too (tenant key, or gateway key with x-tenant-id).
  await app.register(async (scope) => {
    const limiter = await registerGatewayRateLimit(scope, {
      max: config.env.EXT_GATEWAY_RATE_LIMIT,
      windowMs: 60_000,
      ...(redis ? { redis } : {}),
    });
    await scope.register(gatewayRoutes, {
      gateway,
      executions,
      authenticator,
      limiter,
      maxBodyBytes: config.env.EXT_GATEWAY_MAX_BODY_BYTES,
    });
  });
  // Everything under /v1 needs an API key; the hook runs before validation, so a caller without a
  // key learns nothing about a route's shape.
  await app.register(async (api) => {
    api.decorateRequest('principal', undefined);
    api.addHook('onRequest', async (request: FastifyRequest & { principal?: Principal }) => {
      request.principal = await authenticator.authenticate(request);
    });
    await api.register(apiKeyRoutes, { apiKeys });
    await api.register(catalogRoutes, { catalog, store });
    await api.register(uploadRoutes, { uploads, finalize });
    await api.register(installRoutes, { installs });
    await api.register(secretRoutes, { secrets });
    await api.register(resolveRoute, { gateway });
    await api.register(executionRoutes, { executions });
    await api.register(eventRoutes, { events });
    await api.register(usageRoutes, { db, catalog });
  });
  return app;
}
