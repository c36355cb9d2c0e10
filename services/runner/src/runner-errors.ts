import { HttpError } from '@annex/server';

/**
 * The runner-side failures of SPEC section 6, one factory each, so a status and its code are
 * written in one place. Guest answers of any status are not errors: they are 200 envelopes.
 */
export const runnerErrors = {
  badRequest: (message: string, details?: Record<string, unknown>) =>
    new HttpError(400, 'BAD_REQUEST', message, details),
  unauthorized: () => new HttpError(401, 'UNAUTHORIZED', 'a valid runner token is required'),
  bundleNotFound: (hash: string) =>
    new HttpError(404, 'BUNDLE_NOT_FOUND', `no bundle ${hash} in the store`, { content_hash: hash }),
  payloadTooLarge: (message: string, limit: number) =>
    new HttpError(413, 'PAYLOAD_TOO_LARGE', message, { limit_bytes: limit }),
  idempotencyKeyReused: () =>
    new HttpError(
      409,
      'IDEMPOTENCY_KEY_REUSED',
      'this idempotency key was already used for a different request',
    ),
  concurrencyLimit: (message: string) =>
    new HttpError(429, 'CONCURRENCY_LIMIT', message, undefined, { 'retry-after': '1' }),
  quotaExceeded: (message: string, details: Record<string, unknown>, retryAfterSeconds: number) =>
    new HttpError(429, 'QUOTA_EXCEEDED', message, details, { 'retry-after': String(retryAfterSeconds) }),
  guestTrap: (message: string, details?: Record<string, unknown>) =>
    new HttpError(500, 'GUEST_TRAP', message, details),
  bundleIntegrity: (message: string, details?: Record<string, unknown>) =>
    new HttpError(502, 'BUNDLE_INTEGRITY', message, details),
  signatureInvalid: (message: string, details?: Record<string, unknown>) =>
    new HttpError(502, 'SIGNATURE_INVALID', message, details),
  storeUnavailable: (message: string) => new HttpError(502, 'STORE_UNAVAILABLE', message),
  responseTooLarge: (limit: number) =>
    new HttpError(502, 'RESPONSE_TOO_LARGE', `the guest's response is larger than ${limit} bytes`, {
      limit_bytes: limit,
    }),
  timeout: (timeoutMs: number, message = `the guest did not answer within ${timeoutMs} ms`) =>
    new HttpError(504, 'TIMEOUT', message, { timeout_ms: timeoutMs }),
  memoryLimit: (limitMb: number) =>
    new HttpError(507, 'MEMORY_LIMIT', `the guest needed more than its ${limitMb} MiB memory limit`, {
      memory_mb: limitMb,
    }),
};
