/**
 * Errors of the bundle store. Every message is safe to show to an API client or write to a log: it
 * names keys and limits, never credentials, endpoints with secrets, or file system paths.
 */
export class StoreError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The key (or the multipart upload) does not exist. */
export class ObjectNotFoundError extends StoreError {
  readonly key: string;
  constructor(key: string) {
    super('OBJECT_NOT_FOUND', `object ${key} does not exist`);
    this.key = key;
  }
}

/** A write-once key already holds different content; nothing was overwritten. */
export class ObjectExistsError extends StoreError {
  readonly key: string;
  constructor(key: string) {
    super('OBJECT_EXISTS', `object ${key} already exists with different content`);
    this.key = key;
  }
}

/** The source of a copy is no longer the object the caller read (its ETag changed). */
export class ObjectChangedError extends StoreError {
  readonly key: string;
  constructor(key: string) {
    super('OBJECT_CHANGED', `object ${key} changed since it was read`);
    this.key = key;
  }
}

/** A streamed write went past its byte cap; the partial object was removed. */
export class TooLargeError extends StoreError {
  readonly limit: number;
  constructor(limit: number) {
    super('TOO_LARGE', `content exceeds the limit of ${limit} bytes`);
    this.limit = limit;
  }
}

/** The store cannot be reached or answered with a server error. `detail` is an HTTP status or error code. */
export class StoreUnavailableError extends StoreError {
  readonly detail: string;
  constructor(what: string, detail: string) {
    super('STORE_UNAVAILABLE', `bundle store unavailable: ${what} (${detail})`);
    this.detail = detail;
  }
}

/** A key, content hash, upload id or base prefix that the store refuses (malformed, or not allowed here). */
export class InvalidKeyError extends StoreError {
  constructor(message: string) {
    super('INVALID_KEY', message);
  }
}

/** A byte range that starts at or past the end of the object. */
export class RangeNotSatisfiableError extends StoreError {
  readonly size: number | undefined;
  constructor(key: string, size?: number) {
    super('RANGE_NOT_SATISFIABLE', `range not satisfiable for object ${key}`);
    this.size = size;
  }
}

/** A multipart completion the store rejected: unknown upload, missing or too small parts, bad ETags. */
export class MultipartUploadError extends StoreError {
  constructor(message: string) {
    super('MULTIPART_INVALID', message);
  }
}
