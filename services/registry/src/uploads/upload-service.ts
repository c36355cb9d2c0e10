import { createHmac, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Config } from '@annex/config';
import type { Database } from '@annex/db';
import {
  createUploadToken,
  MultipartUploadError,
  planParts,
  TooLargeError,
  verifyUploadToken,
  type BundleStore,
  type CompletedPart,
} from '@annex/store';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Principal } from '../auth/principal.js';
import { RegistryError } from '../registry-error.js';
import { assertOpen, findUpload, type UploadRecord } from './upload-record.js';
import { storeFailure } from './store-failure.js';

/** Presigned and registry upload URLs live this long; the upload itself a day. */
const URL_TTL_SECONDS = 3600;
const UPLOAD_TTL_MS = 24 * 3600 * 1000;
/** Multipart parts: 16 MiB unless the part count would pass the store's maximum. */
const PREFERRED_PART_SIZE = 16 * 1024 * 1024;

export type InitiateResult =
  | { uploadId: string; method: 'PUT'; url: string; headers: Record<string, string>; expiresAt: string }
  | {
      uploadId: string;
      multipart: { partSize: number; parts: { partNumber: number; url: string }[] };
      expiresAt: string;
    };

export interface UploadServiceDeps {
  db: Kysely<Database>;
  store: BundleStore;
  config: Config;
  log: FastifyBaseLogger;
}

/** The HMAC key of registry upload tokens, derived from the shared secrets key so replicas agree. */
function tokenSecret(config: Config): Buffer {
  return createHmac('sha256', config.keks[0]!.key).update('annex-upload-token-v1').digest();
}

/** Uploads: initiate, receive bytes through the registry, complete multipart, abort. */
export function createUploadService({ db, store, config, log }: UploadServiceDeps) {
  const maxBytes = config.env.EXT_MAX_BUNDLE_BYTES;
  const secret = tokenSecret(config);

  return {
    async initiate(
      principal: Principal,
      input: { size: number; sha256?: string; filename?: string },
      registryBaseUrl: string,
    ): Promise<InitiateResult> {
      if (principal.role === 'tenant' || principal.role === 'gateway') {
        throw new RegistryError('FORBIDDEN', `a ${principal.role} key cannot publish`);
      }
      if (input.size > maxBytes) {
        throw new RegistryError(
          'BUNDLE_TOO_LARGE',
          `bundle of ${input.size} bytes is over the ${maxBytes}-byte limit`,
          {
            size: input.size,
            limit: maxBytes,
          },
        );
      }
      const sha256 = input.sha256 === undefined ? null : normalizeHash(input.sha256);
      const expiresAt = new Date(Date.now() + URL_TTL_SECONDS * 1000);
      const uploadId = randomUUID();
      const stagingKey = store.stagingKey(uploadId);
      await db
        .insertInto('extension_upload')
        .values({
          id: uploadId,
          created_by: principal.keyId,
          size: input.size,
          sha256,
          filename: input.filename ?? null,
          staging_key: stagingKey,
          expires_at: new Date(Date.now() + UPLOAD_TTL_MS),
        })
        .execute();
      try {
        if (store.multipart && input.size > config.env.EXT_MULTIPART_THRESHOLD_BYTES) {
          const { partSize, partCount } = planParts(input.size, PREFERRED_PART_SIZE);
          const multipartId = await store.multipart.create(stagingKey, { contentType: 'application/zstd' });
          const parts = [];
          for (let partNumber = 1; partNumber <= partCount; partNumber++) {
            const length = partNumber < partCount ? partSize : input.size - partSize * (partCount - 1);
            const presigned = await store.multipart.presignPart(stagingKey, multipartId, partNumber, {
              expiresInSeconds: URL_TTL_SECONDS,
              contentLength: length,
            });
            parts.push({ partNumber, url: presigned.url });
          }
          await db
            .updateTable('extension_upload')
            .set({ multipart_id: multipartId, part_size: partSize })
            .where('id', '=', uploadId)
            .execute();
          log.info({ uploadId, size: input.size, parts: partCount }, 'upload initiated (multipart)');
          return { uploadId, multipart: { partSize, parts }, expiresAt: expiresAt.toISOString() };
        }
        const presigned = await store.presignPut(stagingKey, {
          expiresInSeconds: URL_TTL_SECONDS,
          contentLength: input.size,
          contentType: 'application/zstd',
          ...(sha256 ? { sha256 } : {}),
        });
        log.info({ uploadId, size: input.size, direct: Boolean(presigned) }, 'upload initiated');
        if (presigned) {
          return {
            uploadId,
            method: 'PUT',
            url: presigned.url,
            headers: presigned.headers,
            expiresAt: expiresAt.toISOString(),
          };
        }
        const token = createUploadToken({ uploadId, expiresAt, maxBytes: input.size }, secret);
        return {
          uploadId,
          method: 'PUT',
          url: `${registryBaseUrl}/v1/uploads/${uploadId}/content?token=${encodeURIComponent(token)}`,
          headers: { 'content-type': 'application/zstd' },
          expiresAt: expiresAt.toISOString(),
        };
      } catch (err) {
        throw storeFailure(err);
      }
    },

    /**
     * Authorizes a request to the streaming upload route: the upload's own key, or a valid token for
     * this upload (the URL handed out by initiate).
     */
    async authorizeContent(
      uploadId: string,
      principal: Principal | undefined,
      token: string | undefined,
    ): Promise<UploadRecord> {
      if (principal) return findUpload(db, principal, uploadId);
      if (token) {
        const check = verifyUploadToken(token, uploadId, secret);
        if (check.ok) return findUpload(db, undefined, uploadId);
        if (check.reason === 'expired') {
          throw new RegistryError('UPLOAD_EXPIRED', 'this upload URL has expired; initiate the upload again');
        }
      }
      throw new RegistryError('UNAUTHORIZED', 'an API key or a valid upload token is required');
    },

    /** Streams a request body into the staging object; the cap holds while streaming. */
    async receive(upload: UploadRecord, body: Readable, declaredLength: number | undefined) {
      assertOpen(upload);
      if (upload.status === 'finalizing') {
        throw new RegistryError('FINALIZE_IN_PROGRESS', `upload ${upload.id} is being finalized`);
      }
      if (upload.multipart_id) {
        throw new RegistryError(
          'BAD_REQUEST',
          'this upload is multipart: PUT the parts to their URLs, then complete',
        );
      }
      const cap = Math.min(upload.size, maxBytes);
      if (declaredLength !== undefined && declaredLength > cap) {
        throw tooLarge(declaredLength, upload.size, maxBytes);
      }
      let digest;
      try {
        digest = await store.put(upload.staging_key, body, {
          maxBytes: cap,
          contentType: 'application/zstd',
        });
      } catch (err) {
        if (err instanceof TooLargeError) throw tooLarge(undefined, upload.size, maxBytes);
        throw storeFailure(err);
      }
      if (digest.size !== upload.size) {
        await store.deleteStaging(upload.staging_key).catch(() => {});
        throw new RegistryError(
          'SIZE_MISMATCH',
          `received ${digest.size} bytes, but the upload declared ${upload.size}`,
          {
            declared: upload.size,
            received: digest.size,
          },
        );
      }
      const sha256 = `sha256:${digest.sha256.replace(/^sha256:/, '')}`;
      if (upload.sha256 && upload.sha256 !== sha256) {
        await store.deleteStaging(upload.staging_key).catch(() => {});
        throw new RegistryError('HASH_MISMATCH', 'the uploaded bytes do not hash to the declared sha256', {
          expected: upload.sha256,
          actual: sha256,
        });
      }
      log.info({ uploadId: upload.id, size: digest.size, sha256 }, 'upload received');
      return { uploadId: upload.id, size: digest.size, sha256 };
    },

    async complete(principal: Principal, uploadId: string, parts: CompletedPart[]) {
      const upload = await findUpload(db, principal, uploadId);
      assertOpen(upload);
      if (!upload.multipart_id || !store.multipart) {
        throw new RegistryError('NOT_MULTIPART', `upload ${uploadId} is a single PUT; finalize it directly`);
      }
      const numbers = parts.map((p) => p.partNumber);
      if (new Set(numbers).size !== numbers.length)
        throw new RegistryError('INVALID_PARTS', 'part numbers repeat');
      try {
        const info = await store.multipart.complete(upload.staging_key, upload.multipart_id, parts);
        log.info({ uploadId, parts: parts.length, size: info.size }, 'multipart upload completed');
        return { uploadId, size: info.size };
      } catch (err) {
        if (err instanceof MultipartUploadError) {
          throw new RegistryError('INVALID_PARTS', `the store refused the parts: ${err.message}`);
        }
        throw storeFailure(err);
      }
    },

    /** Aborts an upload: staging objects and multipart parts go; canonical objects never do. */
    async abort(principal: Principal, uploadId: string): Promise<void> {
      const upload = await findUpload(db, principal, uploadId);
      if (upload.status === 'finalized') {
        throw new RegistryError('UPLOAD_CLOSED', `upload ${uploadId} is finalized; yank the version instead`);
      }
      if (upload.status === 'finalizing' && upload.lease_until && upload.lease_until.getTime() > Date.now()) {
        throw new RegistryError('FINALIZE_IN_PROGRESS', `upload ${uploadId} is being finalized`);
      }
      await db
        .updateTable('extension_upload')
        .set({ status: 'aborted', lease_until: null })
        .where('id', '=', uploadId)
        .execute();
      try {
        if (upload.multipart_id && store.multipart) {
          const outcome = await store.multipart.abort(upload.staging_key, upload.multipart_id);
          if (outcome === 'unsupported')
            log.warn(
              { uploadId },
              'store cannot abort multipart uploads; parts stay until its lifecycle rule removes them',
            );
        }
        await store.deleteStaging(upload.staging_key);
      } catch (err) {
        throw storeFailure(err);
      }
      log.info({ uploadId }, 'upload aborted');
    },
  };
}

function normalizeHash(text: string): string {
  return `sha256:${text.replace(/^sha256:/, '').toLowerCase()}`;
}

function tooLarge(received: number | undefined, declared: number, limit: number): RegistryError {
  return new RegistryError(
    'BUNDLE_TOO_LARGE',
    declared >= limit
      ? `the upload is over the ${limit}-byte limit`
      : `the upload sent more than the ${declared} bytes it declared`,
    { declared, limit, ...(received === undefined ? {} : { received }) },
  );
}

export type UploadService = ReturnType<typeof createUploadService>;
