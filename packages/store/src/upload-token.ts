import { createHmac, timingSafeEqual } from 'node:crypto';
import { assertUploadId } from './store-keys.js';

/**
 * Tokens for the registry's own upload route (`PUT /v1/uploads/{id}/content?token=…`), used when the
 * store has no presigned URLs. Format: `v1.<expires>.<maxBytes>.<mac>` where `expires` is Unix seconds,
 * `maxBytes` a decimal byte count, and `mac` the base64url HMAC-SHA256, under the registry's secret, of
 * `annex-upload-v1\n<uploadId>\n<expires>\n<maxBytes>`. The upload id is not in the token (it is in
 * the URL) but is covered by the MAC, so a token works for its own upload only.
 */

const VERSION = 'v1';
const DOMAIN = 'annex-upload-v1';
const TOKEN = /^v1\.(\d{1,12})\.(\d{1,16})\.([A-Za-z0-9_-]{43})$/;
const MIN_SECRET_BYTES = 32;

export type UploadTokenSecret = string | Uint8Array;

export interface UploadTokenClaims {
  uploadId: string;
  /** Last moment the token is valid (second precision, rounded down). */
  expiresAt: Date;
  /** Byte cap the upload route enforces while streaming. */
  maxBytes: number;
}

export type UploadTokenCheck =
  | { ok: true; expiresAt: Date; maxBytes: number }
  | { ok: false; reason: 'malformed' | 'invalid' | 'expired' };

function secretBytes(secret: UploadTokenSecret): Buffer {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new RangeError(`the upload token secret must have at least ${MIN_SECRET_BYTES} bytes`);
  }
  return bytes;
}

function mac(secret: Buffer, uploadId: string, expires: string, maxBytes: string): Buffer {
  return createHmac('sha256', secret).update(`${DOMAIN}\n${uploadId}\n${expires}\n${maxBytes}`).digest();
}

export function createUploadToken(claims: UploadTokenClaims, secret: UploadTokenSecret): string {
  const uploadId = assertUploadId(claims.uploadId);
  const expiresMs = claims.expiresAt.getTime();
  if (!Number.isFinite(expiresMs) || expiresMs < 0) throw new RangeError('expiresAt must be a valid date');
  if (!Number.isSafeInteger(claims.maxBytes) || claims.maxBytes < 0) {
    throw new RangeError('maxBytes must be an integer >= 0');
  }
  const expires = String(Math.floor(expiresMs / 1000));
  const maxBytes = String(claims.maxBytes);
  const tag = mac(secretBytes(secret), uploadId, expires, maxBytes).toString('base64url');
  return `${VERSION}.${expires}.${maxBytes}.${tag}`;
}

/**
 * Checks a token for `uploadId`: the MAC first (constant-time), then the expiry. A token of another
 * upload, or with any part changed, is `invalid`; one past its second of expiry is `expired`.
 */
export function verifyUploadToken(
  token: string,
  uploadId: string,
  secret: UploadTokenSecret,
  now: Date = new Date(),
): UploadTokenCheck {
  const key = secretBytes(secret);
  const match = typeof token === 'string' ? TOKEN.exec(token) : null;
  if (!match) return { ok: false, reason: 'malformed' };
  const [, expires, maxBytes, tag] = match as unknown as [string, string, string, string];
  let id: string;
  try {
    id = assertUploadId(uploadId);
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  const expected = mac(key, id, expires, maxBytes);
  const given = Buffer.from(tag, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'invalid' };
  const expiresAt = new Date(Number(expires) * 1000);
  if (now.getTime() >= expiresAt.getTime() + 1000) return { ok: false, reason: 'expired' };
  return { ok: true, expiresAt, maxBytes: Number(maxBytes) };
}
