import {
  isBundleError,
  readBundle,
  signaturePolicy,
  type BundleInfo,
  type SignatureOutcome,
} from '@annex/bundle';
import type { Config } from '@annex/config';
import { json, type Database } from '@annex/db';
import { digestStream, ObjectChangedError, ObjectExistsError, type BundleStore } from '@annex/store';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { holdsPublisher, type Principal } from '../auth/principal.js';
import type { CatalogService } from '../catalog/catalog-service.js';
import { RegistryError } from '../registry-error.js';
import { storeFailure } from './store-failure.js';
import { assertOpen, findUpload, type UploadRecord } from './upload-record.js';

/** How long one finalize holds an upload; a crashed finalize's lease runs out and a retry proceeds. */
const LEASE_MS = 10 * 60 * 1000;

export interface FinalizeResult {
  extension: { id: string; slug: string };
  version: string;
  contentHash: string;
  signature: { status: SignatureOutcome['status']; keyId: string | null; signer: string | null };
  [key: string]: unknown;
}

export interface FinalizeDeps {
  db: Kysely<Database>;
  store: BundleStore;
  config: Config;
  catalog: CatalogService;
  log: FastifyBaseLogger;
}

/**
 * Finalize (SPEC section 5): every check in order, then the write-once store objects, then the
 * registry rows in one transaction. The version row is the moment of publication: a crash or a
 * store failure before it leaves no version, and a retry of the same finalize either continues or
 * answers the stored result.
 */
export function createFinalizer({ db, store, config, catalog, log }: FinalizeDeps) {
  const maxBytes = config.env.EXT_MAX_BUNDLE_BYTES;

  /** Takes the upload's lease, or answers why not. Returns the stored result of a finished finalize. */
  async function lease(upload: UploadRecord): Promise<FinalizeResult | undefined> {
    if (upload.status === 'finalized') return upload.result as FinalizeResult;
    assertOpen(upload);
    const taken = await db
      .updateTable('extension_upload')
      .set({ status: 'finalizing', lease_until: new Date(Date.now() + LEASE_MS) })
      .where('id', '=', upload.id)
      .where((eb) =>
        eb.or([
          eb('status', '=', 'pending'),
          eb.and([eb('status', '=', 'finalizing'), eb('lease_until', '<', new Date())]),
        ]),
      )
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) === 1) return undefined;
    const now = await db
      .selectFrom('extension_upload')
      .select(['status', 'result'])
      .where('id', '=', upload.id)
      .executeTakeFirstOrThrow();
    if (now.status === 'finalized') return now.result as FinalizeResult;
    throw new RegistryError(
      'FINALIZE_IN_PROGRESS',
      `upload ${upload.id} is being finalized; retry in a moment`,
    );
  }

  async function release(uploadId: string): Promise<void> {
    await db
      .updateTable('extension_upload')
      .set({ status: 'pending', lease_until: null })
      .where('id', '=', uploadId)
      .where('status', '=', 'finalizing')
      .execute();
  }

  /** Reads the staged bytes once: hash, archive rules, manifest, cross-checks. */
  async function inspect(
    upload: UploadRecord,
  ): Promise<{ info: BundleInfo; manifestBytes: Buffer; etag: string }> {
    const head = await store.head(upload.staging_key).catch((err) => {
      throw storeFailure(err);
    });
    if (!head)
      throw new RegistryError(
        'UPLOAD_INCOMPLETE',
        `no bytes were uploaded for ${upload.id}; PUT the bundle first`,
      );
    if (head.size > maxBytes) {
      throw new RegistryError('BUNDLE_TOO_LARGE', `the staged bundle is over the ${maxBytes}-byte limit`, {
        size: head.size,
        limit: maxBytes,
      });
    }
    if (head.size !== upload.size) {
      throw new RegistryError(
        'SIZE_MISMATCH',
        `the staged bundle has ${head.size} bytes, but the upload declared ${upload.size}`,
        {
          declared: upload.size,
          received: head.size,
        },
      );
    }
    let manifestBytes: Buffer | undefined;
    const read = async () => {
      const object = await store.get(upload.staging_key).catch((err) => {
        throw storeFailure(err);
      });
      return {
        object,
        info: readBundle(
          object.body,
          async (entry) => {
            if (entry.path !== 'manifest.json') return;
            const chunks: Buffer[] = [];
            for await (const chunk of entry.body) chunks.push(chunk);
            manifestBytes = Buffer.concat(chunks);
          },
          upload.sha256 ? { expectedContentHash: upload.sha256 } : {},
        ),
      };
    };
    const { object, info: pending } = await read();
    let info: BundleInfo;
    try {
      info = await pending;
    } catch (err) {
      if (!isBundleError(err)) throw storeFailure(err);
      // SPEC order: a hash mismatch is reported before archive and manifest problems, so an early
      // archive error with a declared hash gets the whole object hashed before it is reported.
      if (err.code !== 'HASH_MISMATCH' && upload.sha256) {
        const again = await store.get(upload.staging_key);
        const digest = await digestStream(again.body);
        const actual = `sha256:${digest.sha256.replace(/^sha256:/, '')}`;
        if (actual !== upload.sha256) {
          throw new RegistryError('HASH_MISMATCH', 'the uploaded bytes do not hash to the declared sha256', {
            expected: upload.sha256,
            actual,
          });
        }
      }
      throw bundleFailure(err);
    }
    return {
      info,
      manifestBytes: manifestBytes ?? Buffer.from(JSON.stringify(info.manifest)),
      etag: object.etag,
    };
  }

  return async function finalize(
    principal: Principal,
    uploadId: string,
    signature: unknown,
  ): Promise<{ result: FinalizeResult; replayed: boolean }> {
    const upload = await findUpload(db, principal, uploadId);
    const stored = await lease(upload);
    if (stored) return { result: stored, replayed: true };
    const started = Date.now();
    try {
      const { info, manifestBytes, etag } = await inspect(upload);
      const { manifest, contentHash } = info;
      log.info(
        {
          uploadId,
          contentHash,
          extension: `${manifest.publisher}.${manifest.name}`,
          version: manifest.version,
        },
        'finalize: bundle verified',
      );

      const existing = await db
        .selectFrom('extension_registry')
        .select(['id', 'publisher'])
        .where('publisher', '=', manifest.publisher)
        .where('name', '=', manifest.name)
        .executeTakeFirst();
      if (!holdsPublisher(principal, manifest.publisher)) {
        throw new RegistryError(
          'EXTENSION_NOT_FOUND',
          `this key cannot publish as ${JSON.stringify(manifest.publisher)}`,
        );
      }

      let outcome: SignatureOutcome;
      try {
        outcome = signaturePolicy({
          contentHash,
          signature: signature ?? undefined,
          trust: config.trustBundlePem ?? null,
        });
      } catch (err) {
        throw bundleFailure(err);
      }

      if (existing) {
        const clash = await db
          .selectFrom('extension_version')
          .select('content_hash')
          .where('registry_id', '=', existing.id)
          .where('semver', '=', manifest.version)
          .executeTakeFirst();
        if (clash) throw versionExists(manifest, clash.content_hash);
      }

      // Content-addressed, write-once objects. `ifMatch` binds the copy to the bytes just verified.
      const hex = contentHash.slice('sha256:'.length);
      try {
        await store.copyIfAbsent(upload.staging_key, store.canonicalKey(hex, 'bundle'), {
          ifMatch: etag,
          sha256: contentHash,
        });
        await putOnce(store.canonicalKey(hex, 'manifest'), manifestBytes);
        if (signature)
          await putOnce(store.canonicalKey(hex, 'signature'), Buffer.from(JSON.stringify(signature)));
      } catch (err) {
        if (err instanceof ObjectChangedError) {
          throw new RegistryError(
            'UPLOAD_INCOMPLETE',
            'the staged bundle changed while it was being verified; finalize again',
          );
        }
        throw storeFailure(err);
      }

      const result = await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('extension_registry')
          .values({
            publisher: manifest.publisher,
            name: manifest.name,
            display_name: manifest.displayName ?? null,
            description: manifest.description ?? null,
            latest_version: null,
            deprecation: null,
          })
          .onConflict((oc) => oc.constraint('extension_registry_slug_unique').doNothing())
          .execute();
        const ext = await trx
          .selectFrom('extension_registry')
          .select(['id', 'publisher', 'name'])
          .where('publisher', '=', manifest.publisher)
          .where('name', '=', manifest.name)
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('extension_bundle')
          .values({
            content_hash: contentHash,
            storage_url: store.canonicalKey(hex, 'bundle'),
            size: info.compressedSize,
            runtime: manifest.runtime,
            sdk_version: null,
          })
          .onConflict((oc) => oc.column('content_hash').doNothing())
          .execute();
        const inserted = await trx
          .insertInto('extension_version')
          .values({
            registry_id: ext.id,
            semver: manifest.version,
            content_hash: contentHash,
            signature: signature ? json(signature) : null,
            signature_status: outcome.status,
            signer: outcome.signer ?? null,
            sbom_ref: manifest.sbom ?? null,
            manifest: json(manifest),
            yank_reason: null,
          })
          .onConflict((oc) => oc.constraint('extension_version_semver_unique').doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!inserted) {
          // Another finalize of the same (extension, version) committed first.
          const winner = await trx
            .selectFrom('extension_version')
            .select('content_hash')
            .where('registry_id', '=', ext.id)
            .where('semver', '=', manifest.version)
            .executeTakeFirstOrThrow();
          throw versionExists(manifest, winner.content_hash);
        }
        await catalog.refreshLatest(trx, ext.id);
        const result: FinalizeResult = {
          extension: { id: ext.id, slug: `${ext.publisher}.${ext.name}` },
          version: manifest.version,
          versionId: inserted.id,
          contentHash,
          size: info.compressedSize,
          signature: { status: outcome.status, keyId: outcome.keyId ?? null, signer: outcome.signer ?? null },
        };
        await trx
          .updateTable('extension_upload')
          .set({ status: 'finalized', lease_until: null, result: json(result) })
          .where('id', '=', uploadId)
          .execute();
        return result;
      });
      log.info(
        {
          uploadId,
          contentHash,
          extension: result.extension.slug,
          version: result.version,
          durationMs: Date.now() - started,
        },
        'finalize: version published',
      );
      await store
        .deleteStaging(upload.staging_key)
        .catch((err) => log.warn({ uploadId, err }, 'staging object not removed'));
      return { result, replayed: false };
    } catch (err) {
      await release(uploadId).catch(() => {});
      log.info({ uploadId, code: (err as { code?: string }).code }, 'finalize: refused');
      throw err;
    }
  };

  async function putOnce(key: string, bytes: Buffer): Promise<void> {
    try {
      await store.putIfAbsent(key, bytes);
    } catch (err) {
      // A different signature document for the same bytes (another signer): the first one stays;
      // each version row keeps its own signature.
      if (!(err instanceof ObjectExistsError)) throw err;
    }
  }
}

function versionExists(
  manifest: { publisher: string; name: string; version: string },
  contentHash: string,
): RegistryError {
  return new RegistryError(
    'VERSION_EXISTS',
    `${manifest.publisher}.${manifest.name}@${manifest.version} is already published; bump the version`,
    {
      contentHash,
    },
  );
}

/** Maps the bundle package's errors to finalize answers (400s with the offending entry or path). */
function bundleFailure(err: unknown): unknown {
  if (!isBundleError(err)) return err;
  switch (err.code) {
    case 'HASH_MISMATCH':
      return new RegistryError('HASH_MISMATCH', err.message, err.details);
    case 'INVALID_MANIFEST':
      return new RegistryError('INVALID_MANIFEST', err.message, { issues: err.issues ?? [] });
    case 'SIGNATURE_REQUIRED':
    case 'SIGNATURE_INVALID':
    case 'SIGNER_UNTRUSTED':
      return new RegistryError(err.code, err.message, err.details);
    default:
      return new RegistryError('INVALID_BUNDLE', err.message, {
        ...(err.entry === undefined ? {} : { entry: err.entry }),
        reason: err.code,
      });
  }
}
