import type { Config } from '@annex/config';
import {
  bearerMatches,
  createServer,
  opsRoutes,
  readinessChecks,
  type ServiceResources,
} from '@annex/server';
import type { FastifyInstance } from 'fastify';

export interface RegistryAppOptions {
  config: Config;
  resources: ServiceResources;
}

/** The registry as a Fastify app: one plugin per resource, registered here in one place. */
export async function buildRegistryApp({ config, resources }: RegistryAppOptions): Promise<FastifyInstance> {
  const app = createServer({ service: 'registry', logLevel: config.logLevel });
  await app.register(opsRoutes, {
    config,
    checks: readinessChecks(resources),
    authorizeOperator: (request) => bearerMatches(request, config.adminToken),
  });
  return app;
}
