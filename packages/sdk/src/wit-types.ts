// TypeScript views of the records in wit/annex.wit, in the shape jco and componentize-js give them to
// JavaScript: kebab-case fields become camelCase, `list<u8>` is a Uint8Array, `option<T>` is `T | undefined`,
// tuples are arrays, u64 is a bigint, enums are strings and variants are `{ tag, val }` objects.

/** `types.context-data`. */
export interface ContextData {
  requestId: string;
  tenantId: string;
  extensionId: string;
  installId: string;
  version: string;
  /** `sha256:<64 lowercase hex>` */
  contentHash: string;
}

/** Name/value pairs in order; a repeated name appears once per value. */
export type FieldList = Array<[string, string]>;

/** `types.http-request`. */
export interface HttpRequest {
  method: string;
  path: string;
  query: FieldList;
  /** Names are lower case. */
  headers: FieldList;
  /** `undefined` when the request had no body. */
  body?: Uint8Array | undefined;
}

/** `types.http-response`. */
export interface HttpResponse {
  status: number;
  headers: FieldList;
  body?: Uint8Array | undefined;
}

/** `types.execute-request`: what `handler.handle` receives. */
export interface ExecuteRequest {
  context: ContextData;
  http: HttpRequest;
}

/** `context.user-data`. */
export interface UserData {
  userId: string;
  userEmail?: string | undefined;
  userName?: string | undefined;
  userType?: string | undefined;
}

/** `logging.level`. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** `kv.entry`. */
export interface KvEntry {
  value: Uint8Array;
  revision: bigint;
}

/** `kv.set-options`. */
export interface KvSetOptions {
  expectedRevision?: bigint | undefined;
  ttlMs?: bigint | undefined;
}

/** `kv.list-page`. */
export interface KvListPage {
  keys: string[];
  cursor?: string | undefined;
}

/** `http.outgoing-request`. */
export interface OutgoingRequest {
  method: string;
  url: string;
  headers: FieldList;
  body?: Uint8Array | undefined;
  timeoutMs?: number | undefined;
}

/** The error cases of each host interface. */
export type ContextErrorCode = 'denied';
export type LogErrorCode = 'denied' | 'rate-limited';
export type SecretsErrorCode = 'denied' | 'not-found' | 'unavailable';
export type KvErrorCode =
  'denied' | 'conflict' | 'quota-exceeded' | 'invalid-key' | 'too-large' | 'unavailable';
export type HttpErrorCode = 'denied' | 'not-allowed' | 'invalid-request' | 'timeout' | 'too-large' | 'failed';

/** `http.http-error`: a variant, so cases carry a message where the WIT gives them one. */
export type HttpFetchError =
  | { tag: 'denied' }
  | { tag: 'not-allowed'; val: string }
  | { tag: 'invalid-request'; val: string }
  | { tag: 'timeout' }
  | { tag: 'too-large' }
  | { tag: 'failed'; val: string };
