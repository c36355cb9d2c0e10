import { HttpError } from '@annex/server';

/**
 * Every error code the registry answers with, and its status: the one table services consult, so
 * they speak in codes and never in HTTP.
 */
const STATUS = {
  BAD_REQUEST: 400,
  INVALID_CURSOR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  EXTENSION_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  EXTENSION_EXISTS: 409,
  VERSION_EXISTS: 409,
  // Uploads and finalize (SPEC section 5).
  UPLOAD_NOT_FOUND: 404,
  UPLOAD_EXPIRED: 410,
  UPLOAD_CLOSED: 409,
  FINALIZE_IN_PROGRESS: 409,
  BUNDLE_TOO_LARGE: 413,
  SIZE_MISMATCH: 400,
  UPLOAD_INCOMPLETE: 400,
  HASH_MISMATCH: 400,
  INVALID_BUNDLE: 400,
  INVALID_MANIFEST: 400,
  SIGNATURE_REQUIRED: 400,
  SIGNATURE_INVALID: 400,
  SIGNER_UNTRUSTED: 400,
  NOT_MULTIPART: 400,
  INVALID_PARTS: 400,
  STORE_UNAVAILABLE: 503,
  // Installs and secrets (SPEC sections 5 and 10).
  TENANT_NOT_FOUND: 404,
  INSTALL_NOT_FOUND: 404,
  ALREADY_INSTALLED: 409,
  APPROVAL_REQUIRED: 409,
  GRANT_NOT_REQUESTED: 400,
  EGRESS_NOT_REQUESTED: 400,
  EGRESS_NOT_ALLOWED: 400,
  INVALID_CONFIG: 400,
  VERSION_UNAVAILABLE: 400,
  SECRET_NOT_DECLARED: 400,
  SECRET_NOT_FOUND: 404,
  SECRETS_UNREADABLE: 500,
  // Resolve and the gateway.
  EXTENSION_NOT_AVAILABLE: 404,
  ENDPOINT_NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  RUNNER_UNAVAILABLE: 502,
  RUNNER_ERROR: 502,
  RESPONSE_TOO_LARGE: 502,
  GATEWAY_TIMEOUT: 504,
  // Runner answers the gateway passes through with their own status (SPEC section 10).
  CONCURRENCY_LIMIT: 429,
  QUOTA_EXCEEDED: 429,
  TIMEOUT: 504,
  IDEMPOTENCY_KEY_REUSED: 409,
  // Events (docs/events.md).
  EVENT_NOT_FOUND: 404,
} as const;

export type RegistryErrorCode = keyof typeof STATUS;

export interface RegistryErrorOptions {
  /** For 429 and 503: when the caller may try again (answered as `Retry-After`). */
  retryAfterSeconds?: number;
}

export class RegistryError extends HttpError {
  constructor(
    code: RegistryErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options: RegistryErrorOptions = {},
  ) {
    super(
      STATUS[code],
      code,
      message,
      details,
      options.retryAfterSeconds === undefined
        ? undefined
        : { 'retry-after': String(Math.max(1, Math.ceil(options.retryAfterSeconds))) },
    );
    this.name = 'RegistryError';
  }
}
