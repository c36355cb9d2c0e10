import type { FastifyBaseLogger } from 'fastify';
import type { CallScope } from '../factor.js';

const METHODS = { trace: 'trace', debug: 'debug', info: 'info', warn: 'warn', error: 'error' } as const;

/**
 * Main thread: writes one guest line with the call's identity, which the guest cannot forge. The
 * request id goes under `reqId`, the key of every other line of both services (Fastify's), so one
 * search finds the gateway's, the runner's and the guest's lines of a request.
 */
export function writeGuestLog(
  logger: FastifyBaseLogger,
  call: CallScope,
  level: string,
  message: string,
): void {
  const method = METHODS[level as keyof typeof METHODS] ?? 'info';
  logger[method](
    {
      guest: true,
      reqId: call.requestId,
      tenantId: call.tenantId,
      extensionId: call.extensionId,
      installId: call.installId,
    },
    message,
  );
}
