import type { Config } from '@annex/config';
import { createServer, opsRoutes, readinessChecks, type ServiceResources } from '@annex/server';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiKeyRoutes } from './api-keys/api-key-routes.js';
import { createApiKeyService } from './api-keys/api-key-service.js';
import { createAuthenticator } from './auth/authenticate.js';
import type { Principal } from './auth/principal.js';
import { catalogRoutes } from './catalog/catalog-routes.js';
import { createCatalogService } from './catalog/catalog-service.js';
import { registerOpenApi } from './http/openapi.js';
import { createFinalizer } from './uploads/finalize-upload.js';
import { uploadContentRoute } from './uploads/upload-content-route.js';
import { uploadRoutes } from './uploads/upload-routes.js';
import { createUploadService } from './uploads/upload-service.js';

export interface RegistryAppOptions {
  config: Config;
  resources: ServiceResources;
}

/** The registry as a Fastify app: one plugin per resource, registered here in one place. */
export async function buildRegistryApp({ config, resources }: RegistryAppOptions): Promise<FastifyInstance> {
  const { db } = resources.database;
  const app = createServer({ service: 'registry', logLevel: config.logLevel });
  await registerOpenApi(app);

  const authenticator = createAuthenticator(db, config.adminToken);
  await app.register(opsRoutes, {
    config,
    checks: readinessChecks(resources),
    authorizeOperator: async (request) =>
      (await authenticator.authenticate(request).catch(() => undefined))?.role === 'admin',
  });

  const apiKeys = createApiKeyService(db);
  const catalog = createCatalogService(db);
  const { store } = resources;
  const uploads = createUploadService({ db, store, config, log: app.log });
  const finalize = createFinalizer({ db, store, config, catalog, log: app.log });
  // Authorized by its own rules (API key or upload token), so outside the API-key hook below.
  await app.register(uploadContentRoute, { uploads, authenticator });
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
  });
  return app;
}
