import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { HttpError } from './http-error.js';

/** The instruments services build on their registry (so they need no prom-client of their own). */
export { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The outcome label of a failure: an HttpError's code (services take them from fixed tables, so the
 * set is bounded), else `INTERNAL_ERROR`. Success is labelled `ok` by the caller.
 */
export function outcomeLabel(err: unknown): string {
  return err instanceof HttpError ? err.code : 'INTERNAL_ERROR';
}

/**
 * One Prometheus registry per service instance (not prom-client's global one, so two services in one
 * process, as on the embedded default, keep their figures apart). Labels never carry tenant ids or
 * anything unbounded: per-tenant figures live in the database.
 */
export interface ServiceMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

export function createServiceMetrics(service: 'registry' | 'runner'): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'annex_' });
  const httpDuration = new Histogram({
    name: 'annex_http_request_duration_seconds',
    help: 'HTTP request duration by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return { registry, httpDuration };
}

/** Times every request by its route template (`/v1/extensions/:ext`), never the raw URL. */
export function installHttpMetrics(app: FastifyInstance, metrics: ServiceMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    metrics.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
    void reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
