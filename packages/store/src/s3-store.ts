import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { StoreSettings } from '@annex/config';
import { assertRange } from './byte-range.js';
import type { BundleStore, CopyResult, ObjectInfo, ObjectStream, WriteOnceResult } from './bundle-store.js';
import {
  assertMaxBytes,
  digestBody,
  digestStream,
  meterBody,
  type ContentDigest,
  type StoreBody,
} from './content-meter.js';
import { presignGetUrl, presignPutRequest } from './s3-presign.js';
import { createS3Multipart } from './s3-multipart.js';
import { createS3Client } from './s3-client.js';
import { errorName, isWriteConflict, s3Failure, statusOf } from './s3-errors.js';
import {
  InvalidKeyError,
  ObjectChangedError,
  ObjectExistsError,
  ObjectNotFoundError,
  StoreError,
  StoreUnavailableError,
  TooLargeError,
} from './store-errors.js';
import { assertBase, canonicalKey, parseContentHash, parseStoreKey, stagingKey } from './store-keys.js';

export type S3StoreSettings = Extract<StoreSettings, { kind: 's3' }>;

export interface S3StoreOptions {
  /** A client to use instead of one built from the settings (tests wrap `send`); not destroyed by close(). */
  client?: S3Client;
}

/** Part size and parallel parts of streamed uploads: at most about 4 × 5 MiB in memory per upload. */
const STREAM_PART_SIZE = 5 * 1024 * 1024;
const STREAM_QUEUE_SIZE = 4;

/**
 * The bundle store on an S3-compatible bucket. Write-once = check before write (HEAD) plus
 * `If-None-Match: *` on the write itself; a store that honours it (AWS S3, MinIO, R2) answers 412 when a
 * concurrent writer won, and the content is then compared like an existing object. Stores that ignore
 * the header (s3rver) keep only the check before write.
 */
export function createS3BundleStore(settings: S3StoreSettings, options: S3StoreOptions = {}): BundleStore {
  const base = assertBase(settings.base);
  const bucket = settings.bucket;
  // The SDK's default CRC32 request checksums turn streamed bodies into aws-chunked uploads and add a
  // checksum of an empty body to presigned URLs; bundles carry their own SHA-256, so only send
  // checksums the operation requires.
  const client =
    options.client ??
    createS3Client(settings, {
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  const keyOf = (key: string) => parseStoreKey(key, base);
  const stagingOnly = (key: string, what: string) => {
    if (keyOf(key).kind !== 'staging') throw new InvalidKeyError(`${what} is for staging keys only`);
    return key;
  };

  const head = async (key: string): Promise<ObjectInfo | undefined> => {
    keyOf(key);
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: out.ContentLength ?? 0, etag: out.ETag ?? '' };
    } catch (err) {
      if (statusOf(err) === 404 && errorName(err) !== 'NoSuchBucket') return undefined;
      s3Failure(err, 'reading an object', key);
    }
  };

  const get = async (key: string, range?: { start: number; end?: number }): Promise<ObjectStream> => {
    keyOf(key);
    if (range) assertRange(range);
    let out;
    try {
      out = await client.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}),
        }),
      );
    } catch (err) {
      s3Failure(err, 'reading an object', key);
    }
    const body = out.Body as Readable;
    const size = out.ContentLength ?? 0;
    const etag = out.ETag ?? '';
    if (!range) return { body, size, totalSize: size, etag };
    const served = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(out.ContentRange ?? '');
    const totalSize = Number(served?.[3]);
    const start = Number(served?.[1]);
    const end = Number(served?.[2]);
    // A store that serves another range than asked (s3rver reads `bytes=0-0` as the whole object) is
    // refused rather than handing the caller bytes it did not ask for.
    if (!served || start !== range.start || end !== Math.min(range.end ?? totalSize - 1, totalSize - 1)) {
      body.destroy();
      throw new StoreError('RANGE_MISMATCH', `the store served another byte range of ${key} than asked`);
    }
    return { body, size, totalSize, etag, range: { start, end } };
  };

  /** Throws ObjectExistsError unless the stored object has this size and SHA-256. */
  const assertSame = async (key: string, info: ObjectInfo, size: number, sha256: () => Promise<string>) => {
    if (info.size !== size) throw new ObjectExistsError(key);
    const stored = await digestStream((await get(key)).body);
    if (stored.sha256 !== (await sha256())) throw new ObjectExistsError(key);
  };

  /** After a 412/409: the key is taken by a concurrent writer; same content or ObjectExistsError. */
  const resolveConflict = async (key: string, digest: ContentDigest) => {
    const info = await head(key);
    if (!info) throw new StoreUnavailableError('a concurrent write to the same key is in progress', 'retry');
    await assertSame(key, info, digest.size, async () => digest.sha256);
  };

  /**
   * Writes `body` to `key`, counting and hashing while streaming. With `writeOnce` the write carries
   * `If-None-Match: *` and a conflict is reported (with the digest of what we sent) instead of thrown.
   */
  const write = async (
    key: string,
    body: StoreBody,
    maxBytes: number,
    contentType: string | undefined,
    writeOnce: boolean,
  ): Promise<{ digest: ContentDigest; conflict: boolean }> => {
    const params = {
      Bucket: bucket,
      Key: key,
      ...(contentType ? { ContentType: contentType } : {}),
      ...(writeOnce ? { IfNoneMatch: '*' } : {}),
    };
    if (body instanceof Uint8Array) {
      if (body.byteLength > maxBytes) throw new TooLargeError(maxBytes);
      const digest = { size: body.byteLength, sha256: createHash('sha256').update(body).digest('hex') };
      try {
        await client.send(new PutObjectCommand({ ...params, Body: body, ContentLength: body.byteLength }));
        return { digest, conflict: false };
      } catch (err) {
        if (writeOnce && isWriteConflict(err)) return { digest, conflict: true };
        s3Failure(err, 'storing an object');
      }
    }
    // Unknown length: lib-storage sends one PUT below the part size, a multipart upload above it.
    const meter = meterBody(body, maxBytes);
    const upload = new Upload({
      client,
      params: { ...params, Body: meter },
      partSize: STREAM_PART_SIZE,
      queueSize: STREAM_QUEUE_SIZE,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
      return { digest: meter.digest(), conflict: false };
    } catch (err) {
      // The source's own failure (too large, client gone) wins over what the upload made of it, e.g.
      // s3rver's 405 to the AbortMultipartUpload that follows.
      if (meter.exceeded) throw new TooLargeError(maxBytes);
      if (meter.errored) throw meter.errored;
      meter.destroy();
      if (writeOnce && isWriteConflict(err)) return { digest: meter.digest(), conflict: true };
      s3Failure(err, 'storing an object');
    }
  };

  return {
    kind: 's3',
    base,
    canonicalKey: (hash, object) => canonicalKey(hash, object, base),
    stagingKey,
    head,
    get,

    async put(key, body, opts = {}) {
      stagingOnly(key, 'put (canonical objects are written once with putIfAbsent)');
      const { digest } = await write(key, body, assertMaxBytes(opts.maxBytes), opts.contentType, false);
      return digest;
    },

    async putIfAbsent(key, body, opts = {}): Promise<WriteOnceResult> {
      const maxBytes = assertMaxBytes(opts.maxBytes);
      const existing = await head(key);
      if (existing) {
        const digest = await digestBody(body, maxBytes);
        await assertSame(key, existing, digest.size, async () => digest.sha256);
        return { ...digest, created: false };
      }
      const { digest, conflict } = await write(key, body, maxBytes, opts.contentType, true);
      if (conflict) await resolveConflict(key, digest);
      return { ...digest, created: !conflict };
    },

    async copyIfAbsent(from, to, opts = {}): Promise<CopyResult> {
      keyOf(to);
      const source = await head(from);
      if (!source) throw new ObjectNotFoundError(from);
      if (opts.ifMatch !== undefined && opts.ifMatch !== source.etag) throw new ObjectChangedError(from);
      const sourceSha256 = async () =>
        opts.sha256 !== undefined
          ? parseContentHash(opts.sha256)
          : (await digestStream((await get(from)).body)).sha256;
      const existing = await head(to);
      if (existing) {
        await assertSame(to, existing, source.size, sourceSha256);
        return { created: false, size: source.size };
      }
      try {
        await client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: to,
            CopySource: `${encodeURIComponent(bucket)}/${from.split('/').map(encodeURIComponent).join('/')}`,
            // The source must still be what was checked above, and the destination must still be free.
            ...(source.etag ? { CopySourceIfMatch: source.etag } : {}),
            IfNoneMatch: '*',
          }),
        );
        return { created: true, size: source.size };
      } catch (err) {
        if (isWriteConflict(err)) {
          // Either precondition: a destination that now exists is compared, otherwise the source moved.
          const now = await head(to);
          if (!now) throw new ObjectChangedError(from);
          await assertSame(to, now, source.size, sourceSha256);
          return { created: false, size: source.size };
        }
        s3Failure(err, 'copying an object', from);
      }
    },

    async deleteStaging(key) {
      if (keyOf(key).kind !== 'staging')
        throw new InvalidKeyError(`refusing to delete canonical object ${key}`);
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch (err) {
        if (statusOf(err) === 404 && errorName(err) !== 'NoSuchBucket') return;
        s3Failure(err, 'deleting an object');
      }
    },

    async presignPut(key, opts) {
      stagingOnly(key, 'a presigned PUT');
      return presignPutRequest(client, bucket, key, opts);
    },

    async presignGet(key, opts) {
      keyOf(key);
      return presignGetUrl(client, bucket, key, opts);
    },

    multipart: createS3Multipart(client, bucket, (key) => stagingOnly(key, 'a multipart upload'), head),

    async ping() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }), {
          abortSignal: AbortSignal.timeout(2500),
        });
      } catch (err) {
        const status = statusOf(err);
        const detail = status ? `HTTP ${status}` : (errorName(err) ?? 'unreachable');
        throw new StoreUnavailableError(`bucket ${bucket} not reachable`, detail);
      }
    },

    close() {
      if (!options.client) client.destroy();
    },
  };
}
