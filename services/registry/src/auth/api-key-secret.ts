import { createHash, randomBytes } from 'node:crypto';

/** A new API key: a recognisable prefix (secret scanners) and 256 random bits. */
export function generateApiKey(): string {
  return `annex_${randomBytes(32).toString('base64url')}`;
}

/**
 * Keys are stored as their SHA-256: they are random 256-bit values, so a slow password hash would
 * add cost without adding safety, and a digest lets lookups use the unique index.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
