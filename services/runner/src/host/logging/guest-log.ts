import type { FastifyBaseLogger } from 'fastify';
import type { CallScope } from '../factor.js';

const METHODS = { trace: 'trace', debug: 'debug', info: 'info', warn: 'warn', error: 'error' } as const;

/** Main thread: writes one guest line with the call's identity, which the guest cannot forge. */
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
      requestId: call.requestId,
      tenantId: call.tenantId,
      extensionId: call.extensionId,
      installId: call.installId,
    },
    message,
  );
}
