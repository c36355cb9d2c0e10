import type { Config } from '@annex/config';
import {
  bearerMatches,
  createServer,
  opsRoutes,
  readinessChecks,
  type ServiceResources,
} from '@annex/server';
import type { FastifyInstance } from 'fastify';

export interface RunnerAppOptions {
  config: Config;
  resources: ServiceResources;
}

/** The runner as a Fastify app. */
export async function buildRunnerApp({ config, resources }: RunnerAppOptions): Promise<FastifyInstance> {
  const app = createServer({ service: 'runner', logLevel: config.logLevel });
  await app.register(opsRoutes, {
    config,
    checks: readinessChecks(resources),
    authorizeOperator: (request) => bearerMatches(request, config.runnerToken),
  });
  return app;
}
