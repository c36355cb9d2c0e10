import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { CompletedPart, MultipartUploads, ObjectInfo } from './bundle-store.js';
import { presignPartRequest } from './s3-presign.js';
import { errorName, s3Failure, statusOf } from './s3-errors.js';
import { MultipartUploadError, StoreError } from './store-errors.js';

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PARTS = 10_000;

/** Errors by which S3 refuses a completion the client got wrong (not an outage). */
const REFUSED = new Set([
  'InvalidPart',
  'InvalidPartOrder',
  'EntityTooSmall',
  'NoSuchUpload',
  'MalformedXML',
]);

function assertMultipartId(id: string): string {
  // Printable ASCII without spaces: what S3, MinIO and s3rver hand out.
  if (typeof id !== 'string' || !/^[!-~]{1,1024}$/.test(id)) {
    throw new MultipartUploadError('invalid multipart upload id');
  }
  return id;
}

function assertPartNumber(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_PARTS) {
    throw new MultipartUploadError(`part numbers go from 1 to ${MAX_PARTS}`);
  }
  return n;
}

/** Parts sorted by number; duplicates, bad numbers and empty ETags are refused before asking the store. */
export function sortParts(parts: CompletedPart[]): CompletedPart[] {
  if (!Array.isArray(parts) || parts.length === 0) throw new MultipartUploadError('no parts to complete');
  const sorted = parts
    .map((p) => {
      if (typeof p?.etag !== 'string' || p.etag.length === 0 || p.etag.length > 256) {
        throw new MultipartUploadError('every part needs its ETag');
      }
      return { partNumber: assertPartNumber(p.partNumber), etag: p.etag };
    })
    .sort((a, b) => a.partNumber - b.partNumber);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.partNumber === sorted[i - 1]!.partNumber) {
      throw new MultipartUploadError(`part ${sorted[i]!.partNumber} is listed twice`);
    }
  }
  return sorted;
}

/** Multipart uploads to staging keys, with presigned part URLs for the client. */
export function createS3Multipart(
  client: S3Client,
  bucket: string,
  stagingOnly: (key: string) => string,
  head: (key: string) => Promise<ObjectInfo | undefined>,
): MultipartUploads {
  return {
    minPartSize: MIN_PART_SIZE,
    maxParts: MAX_PARTS,

    async create(key, options = {}) {
      stagingOnly(key);
      try {
        const out = await client.send(
          new CreateMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            ...(options.contentType ? { ContentType: options.contentType } : {}),
          }),
        );
        if (!out.UploadId) throw new StoreError('STORE_ERROR', 'the store returned no multipart upload id');
        return out.UploadId;
      } catch (err) {
        s3Failure(err, 'starting a multipart upload');
      }
    },

    async presignPart(key, multipartId, partNumber, options) {
      stagingOnly(key);
      return presignPartRequest(
        client,
        bucket,
        key,
        assertMultipartId(multipartId),
        assertPartNumber(partNumber),
        options,
      );
    },

    async complete(key, multipartId, parts) {
      stagingOnly(key);
      const sorted = sortParts(parts);
      try {
        await client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: assertMultipartId(multipartId),
            MultipartUpload: { Parts: sorted.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
          }),
        );
      } catch (err) {
        const name = errorName(err);
        if (name && REFUSED.has(name)) {
          throw new MultipartUploadError(`the store refused the multipart completion (${name})`);
        }
        s3Failure(err, 'completing a multipart upload');
      }
      const info = await head(key);
      if (!info) throw new StoreError('STORE_ERROR', 'the completed multipart object is not visible');
      return info;
    },

    async abort(key, multipartId) {
      stagingOnly(key);
      try {
        await client.send(
          new AbortMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: assertMultipartId(multipartId),
          }),
        );
        return 'aborted';
      } catch (err) {
        const status = statusOf(err);
        const name = errorName(err);
        if (name === 'NoSuchUpload' || status === 404) return 'not-found';
        if (status === 405 || status === 501 || name === 'MethodNotAllowed' || name === 'NotImplemented') {
          return 'unsupported';
        }
        s3Failure(err, 'aborting a multipart upload');
      }
    },
  };
}

/**
 * How to split an upload of `size` bytes into parts: `preferredPartSize` (default the minimum) raised
 * as needed to stay within the part count limit.
 */
export function planParts(
  size: number,
  preferredPartSize: number = MIN_PART_SIZE,
): { partSize: number; partCount: number } {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError('size must be an integer >= 1');
  const partSize = Math.max(MIN_PART_SIZE, Math.trunc(preferredPartSize), Math.ceil(size / MAX_PARTS));
  return { partSize, partCount: Math.ceil(size / partSize) };
}
