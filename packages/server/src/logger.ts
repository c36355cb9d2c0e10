import type { LogLevel } from '@annex/config';
import type { PinoLoggerOptions } from 'fastify/types/logger.js';

/**
 * pino settings shared by both services: the same field names everywhere, credentials redacted,
 * URLs logged without their query string (upload tokens travel there), errors without stack traces.
 */
export function loggerOptions(service: string, level: LogLevel): PinoLoggerOptions {
  return {
    level,
    base: { service },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-api-key"]',
        '*.token',
        '*.secret',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { id: string; method: string; url: string; ip?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url.split('?')[0],
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      // Fastify's type wants a stack; leaving it out of logs is the point.
      err: ((err: Error & { code?: string; statusCode?: number }) => ({
        type: err.name,
        message: err.message,
        ...(err.code ? { code: err.code } : {}),
        ...(err.statusCode ? { statusCode: err.statusCode } : {}),
      })) as unknown as (err: Error) => { type: string; message: string; stack: string },
    },
  };
}
