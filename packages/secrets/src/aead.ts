/**
 * The one encryption scheme of this package: AES-256-GCM under a subkey derived from a KEK for one
 * purpose, a random 96-bit nonce, and additional data naming what the ciphertext belongs to.
 *
 *   ciphertext = version (1 byte, 0x01) || nonce (12) || AES-256-GCM ciphertext || tag (16)
 *
 * The version byte and the key id are part of the additional data, so neither can be swapped.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Kek } from '@annex/config';
import { SecretsError } from './secrets-error.js';

export const FORMAT_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + NONCE_BYTES;

/** What a subkey is for; a KEK never encrypts anything directly, so purposes cannot be confused. */
export type Purpose = 'annex-secrets-envelope-v1' | 'annex-secret-value-v1';

const subkeys = new WeakMap<Buffer, Map<Purpose, Buffer>>();

function subkey(kek: Kek, purpose: Purpose): Buffer {
  let byPurpose = subkeys.get(kek.key);
  if (!byPurpose) {
    byPurpose = new Map();
    subkeys.set(kek.key, byPurpose);
  }
  let key = byPurpose.get(purpose);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', kek.key, Buffer.alloc(0), purpose, 32));
    byPurpose.set(purpose, key);
  }
  return key;
}

/** Length-prefixed fields, so ("ab","c") and ("a","bc") never give the same additional data. */
export function additionalData(purpose: Purpose, keyId: string, fields: string[]): Buffer {
  const parts = [purpose, String(FORMAT_VERSION), keyId, ...fields].map((f) => Buffer.from(f, 'utf8'));
  const out: Buffer[] = [];
  for (const part of parts) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(part.length);
    out.push(length, part);
  }
  return Buffer.concat(out);
}

export function sealBytes(
  plaintext: Buffer,
  keks: readonly Kek[],
  purpose: Purpose,
  fields: string[],
): { ciphertext: Buffer; keyId: string } {
  const kek = keks[0];
  if (!kek) throw new SecretsError('NO_KEYS', 'no key-encryption key is configured');
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', subkey(kek, purpose), nonce);
  cipher.setAAD(additionalData(purpose, kek.id, fields));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    ciphertext: Buffer.concat([Buffer.of(FORMAT_VERSION), nonce, body, cipher.getAuthTag()]),
    keyId: kek.id,
  };
}

export function openBytes(
  ciphertext: Buffer,
  keyId: string,
  keks: readonly Kek[],
  purpose: Purpose,
  fields: string[],
): Buffer {
  if (keks.length === 0) throw new SecretsError('NO_KEYS', 'no key-encryption key is configured');
  const kek = keks.find((k) => k.id === keyId);
  if (!kek) throw new SecretsError('UNKNOWN_KEY', `no configured key has id ${JSON.stringify(keyId)}`);
  if (ciphertext.length < HEADER_BYTES + TAG_BYTES) {
    throw new SecretsError('MALFORMED', 'ciphertext is too short');
  }
  if (ciphertext[0] !== FORMAT_VERSION) {
    throw new SecretsError('MALFORMED', `unknown ciphertext version ${ciphertext[0]}`);
  }
  const nonce = ciphertext.subarray(1, HEADER_BYTES);
  const tag = ciphertext.subarray(ciphertext.length - TAG_BYTES);
  const body = ciphertext.subarray(HEADER_BYTES, ciphertext.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', subkey(kek, purpose), nonce);
    decipher.setAAD(additionalData(purpose, kek.id, fields));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new SecretsError(
      'DECRYPT_FAILED',
      'ciphertext does not authenticate (wrong key, tampered, or sealed for something else)',
    );
  }
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

export function decodeBase64(text: string, what: string): Buffer {
  if (typeof text !== 'string' || text.length % 4 !== 0 || !BASE64_RE.test(text)) {
    throw new SecretsError('MALFORMED', `${what} is not base64`);
  }
  return Buffer.from(text, 'base64');
}
