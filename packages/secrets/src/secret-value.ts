/**
 * One secret value at rest (`tenant_extension_secret.ciphertext` / `key_id`), bound to its tenant,
 * install and name.
 */
import type { Kek } from '@annex/config';
import { decodeBase64, openBytes, sealBytes } from './aead.js';
import type { InstallBinding } from './envelope.js';
import { SecretsError } from './secrets-error.js';

export interface SecretBinding extends InstallBinding {
  name: string;
}

/** What the table stores: base64 ciphertext and the id of the KEK that sealed it. */
export interface EncryptedValue {
  ciphertext: string;
  keyId: string;
}

function fields(binding: SecretBinding): string[] {
  for (const field of ['tenantId', 'installId', 'name'] as const) {
    if (typeof binding?.[field] !== 'string' || binding[field] === '') {
      throw new SecretsError('INVALID_INPUT', `${field} is required`);
    }
  }
  return [binding.tenantId, binding.installId, binding.name];
}

export function encryptValue(value: string, keks: readonly Kek[], binding: SecretBinding): EncryptedValue {
  if (typeof value !== 'string') throw new SecretsError('INVALID_INPUT', 'a secret value must be a string');
  const sealed = sealBytes(Buffer.from(value, 'utf8'), keks, 'annex-secret-value-v1', fields(binding));
  return { ciphertext: sealed.ciphertext.toString('base64'), keyId: sealed.keyId };
}

export function decryptValue(
  encrypted: EncryptedValue,
  keks: readonly Kek[],
  binding: SecretBinding,
): string {
  return openBytes(
    decodeBase64(encrypted.ciphertext, 'ciphertext'),
    encrypted.keyId,
    keks,
    'annex-secret-value-v1',
    fields(binding),
  ).toString('utf8');
}

/** True when the value was sealed by a KEK other than the first (the one that encrypts): re-encrypt it. */
export function needsReencryption(encrypted: Pick<EncryptedValue, 'keyId'>, keks: readonly Kek[]): boolean {
  return keks[0] !== undefined && encrypted.keyId !== keks[0].id;
}
