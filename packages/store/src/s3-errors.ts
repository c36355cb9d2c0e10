import {
  ObjectNotFoundError,
  RangeNotSatisfiableError,
  StoreError,
  StoreUnavailableError,
} from './store-errors.js';

interface SdkError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The HTTP status of an AWS SDK error, when the store answered at all. */
export function statusOf(err: unknown): number | undefined {
  return (err as SdkError | undefined)?.$metadata?.httpStatusCode;
}

/** The S3 error code (`NoSuchKey`, `PreconditionFailed`, …), when it is a plain identifier. */
export function errorName(err: unknown): string | undefined {
  const name = (err as SdkError | undefined)?.name;
  return typeof name === 'string' && /^[A-Za-z0-9]{1,64}$/.test(name) ? name : undefined;
}

/** 412 (`If-None-Match: *` found the key) or 409 (a concurrent conditional write), from real S3/MinIO. */
export function isWriteConflict(err: unknown): boolean {
  const status = statusOf(err);
  const name = errorName(err);
  return status === 412 || name === 'PreconditionFailed' || name === 'ConditionalRequestConflict';
}

function looksLikeTransportError(err: unknown): boolean {
  const e = err as SdkError | undefined;
  if (!e || typeof e !== 'object') return false;
  return (
    e.$metadata !== undefined ||
    typeof e.code === 'string' ||
    e.name === 'TimeoutError' ||
    e.name === 'AbortError' ||
    e.name === 'CredentialsProviderError'
  );
}

/**
 * Turns an SDK or network error into the store's typed errors, with messages that carry no endpoint,
 * credential or request detail: only the S3 error code and HTTP status. Errors that are neither (a bug
 * in the caller, a failing source stream) pass through unchanged.
 */
export function s3Failure(err: unknown, what: string, key?: string): never {
  if (err instanceof StoreError || !looksLikeTransportError(err)) throw err;
  const status = statusOf(err);
  const name = errorName(err);
  if (name === 'NoSuchBucket')
    throw new StoreUnavailableError(`${what}: the bucket does not exist`, 'HTTP 404');
  if (key !== undefined && (name === 'NoSuchKey' || name === 'NotFound' || status === 404)) {
    throw new ObjectNotFoundError(key);
  }
  if (key !== undefined && (status === 416 || name === 'InvalidRange'))
    throw new RangeNotSatisfiableError(key);
  if (status === 401 || status === 403)
    throw new StoreUnavailableError(`${what}: access denied`, `HTTP ${status}`);
  if (status === undefined) {
    const code = (err as SdkError).code;
    throw new StoreUnavailableError(
      what,
      (code && /^[A-Z0-9_]{1,40}$/.test(code) ? code : name) ?? 'network error',
    );
  }
  if (status >= 500) throw new StoreUnavailableError(what, `HTTP ${status}${name ? ` ${name}` : ''}`);
  throw new StoreError(
    'STORE_ERROR',
    `bundle store refused ${what} (HTTP ${status}${name ? ` ${name}` : ''})`,
  );
}
