import type { LogLevel } from '@annex/config';
import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandling } from './error-handler.js';
import { loggerOptions } from './logger.js';
import { createServiceMetrics, installHttpMetrics, type ServiceMetrics } from './metrics.js';
import { requestIdFrom } from './request-id.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** This service's Prometheus registry and shared instruments (`/metrics`). */
    metrics: ServiceMetrics;
  }
}

export interface CreateServerOptions {
  service: 'registry' | 'runner';
  logLevel: LogLevel;
  /** Largest JSON body; routes that stream (uploads, gateway) set their own. */
  bodyLimit?: number;
  /** Where logs go (default stdout); tests pass a stream to read them. */
  logStream?: NodeJS.WritableStream;
}

/** A Fastify instance with the conventions both services share: logging, request ids, error shape. */
export function createServer(options: CreateServerOptions): FastifyInstance {
  const app = Fastify({
    logger: options.logStream
      ? { ...loggerOptions(options.service, options.logLevel), stream: options.logStream }
      : loggerOptions(options.service, options.logLevel),
    genReqId: requestIdFrom,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  // While closing, answers to in-flight requests end their keep-alive connection; otherwise an
  // idle keep-alive socket would hold close() open until its timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) void reply.header('connection', 'close');
  });
  installErrorHandling(app);
  const metrics = createServiceMetrics(options.service);
  app.decorate('metrics', metrics);
  installHttpMetrics(app, metrics);
  return app;
}
