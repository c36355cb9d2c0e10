import { InvalidKeyError } from './store-errors.js';

/**
 * The key layout of the store. Canonical objects live under `<base><hex>/`, staged uploads under
 * `staging/<uploadId>/`. Every operation of a store parses its key with `parseStoreKey`, so no caller
 * can address anything else (no `..`, no absolute paths, no other prefixes).
 */

export const DEFAULT_BASE = 'sha256/';
export const STAGING_PREFIX = 'staging/';

export type CanonicalObject = 'bundle' | 'manifest' | 'signature';

const FILE_OF: Record<CanonicalObject, string> = {
  bundle: 'bundle.tar.zst',
  manifest: 'manifest.json',
  signature: 'bundle.sig',
};
const OBJECT_OF = new Map(Object.entries(FILE_OF).map(([object, file]) => [file, object as CanonicalObject]));
const STAGING_FILE = 'bundle.tar.zst';

const HEX64 = /^[0-9a-f]{64}$/;
const CONTENT_HASH = /^(?:sha256:)?([0-9a-fA-F]{64})$/;
const UPLOAD_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const BASE_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** The 64 lowercase hex digits of a content hash given as `sha256:<hex>` or bare hex. */
export function parseContentHash(hash: string): string {
  const match = CONTENT_HASH.exec(hash);
  if (!match) throw new InvalidKeyError('content hash must be sha256:<64 hex digits>');
  return match[1]!.toLowerCase();
}

/** `sha256:<hex>`, the one spelling of a content hash outside store keys. */
export function formatContentHash(hash: string): string {
  return `sha256:${parseContentHash(hash)}`;
}

export function assertUploadId(uploadId: string): string {
  if (!UPLOAD_ID.test(uploadId)) {
    throw new InvalidKeyError('upload id must be 1-128 characters of A-Z, a-z, 0-9, "_" and "-"');
  }
  return uploadId;
}

/**
 * A valid canonical prefix: segments of `[A-Za-z0-9._-]` ending with `/`, none of them `.`-led (so no
 * `..` and no clash with the filesystem store's `.tmp/`), and never under `staging/`.
 */
export function assertBase(base: string): string {
  const segments = base.split('/');
  const last = segments.pop();
  const ok =
    last === '' &&
    segments.length > 0 &&
    segments.every((segment) => BASE_SEGMENT.test(segment)) &&
    `${segments[0]}/` !== STAGING_PREFIX;
  if (!ok) {
    throw new InvalidKeyError(
      'store base must be path segments of A-Z, a-z, 0-9, ".", "_", "-" ending with "/", not led by "." and not under staging/',
    );
  }
  return base;
}

/** `<base><hex>/bundle.tar.zst`, `…/manifest.json` or `…/bundle.sig`. */
export function canonicalKey(hash: string, object: CanonicalObject, base: string = DEFAULT_BASE): string {
  const file = FILE_OF[object];
  if (!file) throw new InvalidKeyError(`unknown canonical object ${JSON.stringify(object)}`);
  return `${assertBase(base)}${parseContentHash(hash)}/${file}`;
}

/** `staging/<uploadId>/bundle.tar.zst`. */
export function stagingKey(uploadId: string): string {
  return `${STAGING_PREFIX}${assertUploadId(uploadId)}/${STAGING_FILE}`;
}

export type ParsedKey =
  | { kind: 'canonical'; key: string; hash: string; object: CanonicalObject }
  | { kind: 'staging'; key: string; uploadId: string };

/** Parses a key of this layout, or throws InvalidKeyError. The base must already be valid. */
export function parseStoreKey(key: string, base: string = DEFAULT_BASE): ParsedKey {
  if (typeof key === 'string') {
    if (key.startsWith(STAGING_PREFIX)) {
      const [uploadId, file, ...rest] = key.slice(STAGING_PREFIX.length).split('/');
      if (uploadId && UPLOAD_ID.test(uploadId) && file === STAGING_FILE && rest.length === 0) {
        return { kind: 'staging', key, uploadId };
      }
    } else if (key.startsWith(base)) {
      const [hex, file, ...rest] = key.slice(base.length).split('/');
      const object = file === undefined ? undefined : OBJECT_OF.get(file);
      if (hex && HEX64.test(hex) && object && rest.length === 0) {
        return { kind: 'canonical', key, hash: hex, object };
      }
    }
  }
  throw new InvalidKeyError(`not a key of this store: ${JSON.stringify(String(key).slice(0, 200))}`);
}
