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
} as const;

export type RegistryErrorCode = keyof typeof STATUS;

export class RegistryError extends HttpError {
  constructor(code: RegistryErrorCode, message: string, details?: Record<string, unknown>) {
    super(STATUS[code], code, message, details);
    this.name = 'RegistryError';
  }
}
