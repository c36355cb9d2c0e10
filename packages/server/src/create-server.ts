import type { LogLevel } from '@annex/config';
import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandling } from './error-handler.js';
import { loggerOptions } from './logger.js';
import { requestIdFrom } from './request-id.js';

export interface CreateServerOptions {
  service: 'registry' | 'runner';
  logLevel: LogLevel;
  /** Largest JSON body; routes that stream (uploads, gateway) set their own. */
  bodyLimit?: number;
}

/** A Fastify instance with the conventions both services share: logging, request ids, error shape. */
export function createServer(options: CreateServerOptions): FastifyInstance {
  const app = Fastify({
    logger: loggerOptions(options.service, options.logLevel),
    genReqId: requestIdFrom,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  installErrorHandling(app);
  return app;
}
