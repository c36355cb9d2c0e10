import { GetObjectCommand, PutObjectCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { PresignedRequest, PresignGetOptions, PresignPutOptions } from './bundle-store.js';
import { s3Failure } from './s3-errors.js';
import { parseContentHash } from './store-keys.js';

const MAX_EXPIRY_SECONDS = 7 * 24 * 3600; // SigV4 limit

function assertExpiry(seconds: number): number {
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_EXPIRY_SECONDS) {
    throw new RangeError(`expiresInSeconds must be an integer from 1 to ${MAX_EXPIRY_SECONDS}`);
  }
  return seconds;
}

function assertLength(length: number | undefined): void {
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
    throw new RangeError('contentLength must be an integer >= 0');
  }
}

/**
 * Signing options: the checksum header stays a header (the client sends it and S3 compares it with the
 * body); content-length is part of the signature whenever the command sets it.
 */
function signing(expiresIn: number) {
  return { expiresIn, unhoistableHeaders: new Set(['x-amz-checksum-sha256']) };
}

async function signed(url: Promise<string>): Promise<string> {
  try {
    return await url;
  } catch (err) {
    s3Failure(err, 'signing a URL');
  }
}

/** A presigned PUT of one object; `contentLength` and `sha256` bind the upload to that size and content. */
export async function presignPutRequest(
  client: S3Client,
  bucket: string,
  key: string,
  options: PresignPutOptions,
): Promise<PresignedRequest> {
  const expiresIn = assertExpiry(options.expiresInSeconds);
  assertLength(options.contentLength);
  const headers: Record<string, string> = {};
  const checksum =
    options.sha256 === undefined
      ? undefined
      : Buffer.from(parseContentHash(options.sha256), 'hex').toString('base64');
  if (checksum) headers['x-amz-checksum-sha256'] = checksum;
  if (options.contentType) headers['content-type'] = options.contentType;
  const expiresAt = new Date(Date.now() + expiresIn * 1000);
  const url = await signed(
    getSignedUrl(
      client,
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(options.contentLength !== undefined ? { ContentLength: options.contentLength } : {}),
        ...(checksum ? { ChecksumSHA256: checksum } : {}),
        ...(options.contentType ? { ContentType: options.contentType } : {}),
      }),
      signing(expiresIn),
    ),
  );
  return { method: 'PUT', url, headers, expiresAt };
}

/** A presigned PUT of one part of a multipart upload. */
export async function presignPartRequest(
  client: S3Client,
  bucket: string,
  key: string,
  multipartId: string,
  partNumber: number,
  options: { expiresInSeconds: number; contentLength?: number },
): Promise<PresignedRequest> {
  const expiresIn = assertExpiry(options.expiresInSeconds);
  assertLength(options.contentLength);
  const expiresAt = new Date(Date.now() + expiresIn * 1000);
  const url = await signed(
    getSignedUrl(
      client,
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: multipartId,
        PartNumber: partNumber,
        ...(options.contentLength !== undefined ? { ContentLength: options.contentLength } : {}),
      }),
      signing(expiresIn),
    ),
  );
  return { method: 'PUT', url, headers: {}, expiresAt };
}

/** A presigned GET, optionally served as a download named `filename`. */
export async function presignGetUrl(
  client: S3Client,
  bucket: string,
  key: string,
  options: PresignGetOptions,
): Promise<string> {
  const expiresIn = assertExpiry(options.expiresInSeconds);
  const filename = options.filename?.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200);
  return signed(
    getSignedUrl(
      client,
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(filename ? { ResponseContentDisposition: `attachment; filename="${filename}"` } : {}),
      }),
      signing(expiresIn),
    ),
  );
}
