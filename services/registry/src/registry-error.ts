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
} as const;

export type RegistryErrorCode = keyof typeof STATUS;

export class RegistryError extends HttpError {
  constructor(code: RegistryErrorCode, message: string, details?: Record<string, unknown>) {
    super(STATUS[code], code, message, details);
    this.name = 'RegistryError';
  }
}
