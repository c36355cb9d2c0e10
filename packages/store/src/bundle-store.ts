import type { Readable } from 'node:stream';
import type { ContentDigest, StoreBody } from './content-meter.js';
import type { CanonicalObject } from './store-keys.js';

/**
 * A content store for bundles: bytes under keys derived from content hashes (canonical, write-once)
 * and from upload ids (staging, mutable until finalized). It knows nothing about extensions.
 *
 * Keys are always checked against the layout of store-keys.ts; a malformed key throws InvalidKeyError.
 */
export interface BundleStore {
  readonly kind: 'filesystem' | 's3';
  /** Prefix of canonical keys (BUNDLE_STORE_BASE, default `sha256/`). */
  readonly base: string;

  /** `<base><hex>/bundle.tar.zst` etc. for this store's base. */
  canonicalKey(hash: string, object: CanonicalObject): string;
  /** `staging/<uploadId>/bundle.tar.zst`. */
  stagingKey(uploadId: string): string;

  /** Size and ETag of an object, or undefined when it does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;

  /** Streams an object, or the inclusive byte range of it. ObjectNotFoundError, RangeNotSatisfiableError. */
  get(key: string, range?: ByteRange): Promise<ObjectStream>;

  /**
   * Writes a staging object (replacing a previous one), hashing and counting while streaming. Past
   * `maxBytes` it stops with TooLargeError and leaves no object. Canonical keys are refused: use
   * putIfAbsent.
   */
  put(key: string, body: StoreBody, options?: WriteOptions): Promise<ContentDigest>;

  /**
   * Write-once. Creates the object unless the key exists. When it exists the new content is compared
   * with the stored one: identical → `{created: false}` and the object is left untouched; different →
   * ObjectExistsError, and the stored object is still never overwritten.
   */
  putIfAbsent(key: string, body: StoreBody, options?: WriteOptions): Promise<WriteOnceResult>;

  /**
   * Server-side write-once copy (staging → canonical). Same outcomes as putIfAbsent. With `ifMatch` (an
   * ETag from head/get) the copy fails with ObjectChangedError when the source was replaced since.
   */
  copyIfAbsent(from: string, to: string, options?: CopyOptions): Promise<CopyResult>;

  /** Removes a staging object (no error when absent). Canonical keys are refused with InvalidKeyError. */
  deleteStaging(key: string): Promise<void>;

  /** A presigned PUT for a staging key, or undefined when the store has none (filesystem). */
  presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest | undefined>;

  /** A presigned GET URL, or undefined when the store has none (filesystem: stream it with get). */
  presignGet(key: string, options: PresignGetOptions): Promise<string | undefined>;

  /** Client-side multipart uploads through presigned part URLs, or undefined when unsupported. */
  readonly multipart: MultipartUploads | undefined;

  /** Resolves when the store is reachable and writable; StoreUnavailableError otherwise. */
  ping(): Promise<void>;

  /** Releases connections (a no-op for the filesystem). */
  close(): void;
}

export interface ObjectInfo {
  size: number;
  /** Opaque version tag: changes whenever the object is replaced. */
  etag: string;
}

/** Inclusive byte offsets, as in HTTP `Range: bytes=start-end`; `end` defaults to the last byte. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface ObjectStream {
  body: Readable;
  /** Bytes in `body`. */
  size: number;
  /** Size of the whole object. */
  totalSize: number;
  etag: string;
  /** The range served (inclusive), when one was asked for. */
  range?: { start: number; end: number };
}

export interface WriteOptions {
  /** Byte cap enforced while streaming (TooLargeError). Default: none. */
  maxBytes?: number;
  contentType?: string;
}

export interface WriteOnceResult extends ContentDigest {
  /** False when the key already held identical content. */
  created: boolean;
}

export interface CopyResult {
  /** False when the destination already held identical content. */
  created: boolean;
  size: number;
}

export interface CopyOptions {
  /** ETag the source must still have (from head/get of the bytes the caller verified). */
  ifMatch?: string;
  /** SHA-256 (hex or sha256:hex) of the source when the caller already knows it; saves a read on conflict. */
  sha256?: string;
}

export interface PresignPutOptions {
  /** 1 s to 7 days. */
  expiresInSeconds: number;
  /** When given, the signature covers Content-Length: the store refuses any other size. */
  contentLength?: number;
  /** When given (hex or sha256:hex), the upload must carry `x-amz-checksum-sha256`; S3 checks it. */
  sha256?: string;
  contentType?: string;
}

export interface PresignedRequest {
  method: 'PUT';
  url: string;
  /** Headers the client must send with the request. */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface PresignGetOptions {
  /** 1 s to 7 days. */
  expiresInSeconds: number;
  /** Sets `Content-Disposition: attachment; filename=…` on the response. */
  filename?: string;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

export interface MultipartUploads {
  /** Smallest part the store accepts (except the last one): 5 MiB on S3. */
  readonly minPartSize: number;
  readonly maxParts: number;
  /** Starts a multipart upload to a staging key; returns the store's upload id. */
  create(key: string, options?: { contentType?: string }): Promise<string>;
  presignPart(
    key: string,
    multipartId: string,
    partNumber: number,
    options: { expiresInSeconds: number; contentLength?: number },
  ): Promise<PresignedRequest>;
  /** Assembles the parts (any order given; sorted here). MultipartUploadError when the store refuses. */
  complete(key: string, multipartId: string, parts: CompletedPart[]): Promise<ObjectInfo>;
  /**
   * Discards the parts. `unsupported` when the store cannot abort (s3rver answers 405): the parts stay
   * until the bucket's lifecycle rule for incomplete multipart uploads removes them.
   */
  abort(key: string, multipartId: string): Promise<'aborted' | 'not-found' | 'unsupported'>;
}
