/**
 * The secret envelope the registry sends the runner with each execute call (SPEC section 6,
 * `secret_envelope`): all of one install's secrets, sealed for that install only.
 */
import type { Kek } from '@annex/config';
import { decodeBase64, openBytes, sealBytes } from './aead.js';
import { SecretsError } from './secrets-error.js';

/** `secret_envelope` of the execute request, as the registry's resolve returns it. */
export interface SecretEnvelope {
  ciphertext_b64: string;
  key_id: string;
}

/** Whose secrets an envelope or value holds; part of the additional data, so it cannot be replayed elsewhere. */
export interface InstallBinding {
  tenantId: string;
  installId: string;
}

function bindingFields(binding: InstallBinding): string[] {
  if (typeof binding?.tenantId !== 'string' || binding.tenantId === '') {
    throw new SecretsError('INVALID_INPUT', 'tenantId is required');
  }
  if (typeof binding.installId !== 'string' || binding.installId === '') {
    throw new SecretsError('INVALID_INPUT', 'installId is required');
  }
  return [binding.tenantId, binding.installId];
}

/** Seals name → value under the first KEK. Names are sorted, so equal inputs give equal plaintexts. */
export function sealSecrets(
  values: Record<string, string>,
  keks: readonly Kek[],
  binding: InstallBinding,
): SecretEnvelope {
  const fields = bindingFields(binding);
  const sorted: Record<string, string> = {};
  for (const name of Object.keys(values).sort()) {
    const value = values[name];
    if (typeof value !== 'string') throw new SecretsError('INVALID_INPUT', `secret ${name} is not a string`);
    sorted[name] = value;
  }
  const { ciphertext, keyId } = sealBytes(
    Buffer.from(JSON.stringify(sorted), 'utf8'),
    keks,
    'annex-secrets-envelope-v1',
    fields,
  );
  return { ciphertext_b64: ciphertext.toString('base64'), key_id: keyId };
}

/** Opens an envelope sealed for exactly this tenant and install, with whichever listed KEK it names. */
export function openSecrets(
  envelope: SecretEnvelope,
  keks: readonly Kek[],
  binding: InstallBinding,
): Record<string, string> {
  const fields = bindingFields(binding);
  if (typeof envelope?.key_id !== 'string' || typeof envelope.ciphertext_b64 !== 'string') {
    throw new SecretsError('MALFORMED', 'envelope must have ciphertext_b64 and key_id strings');
  }
  const plaintext = openBytes(
    decodeBase64(envelope.ciphertext_b64, 'ciphertext_b64'),
    envelope.key_id,
    keks,
    'annex-secrets-envelope-v1',
    fields,
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(plaintext.toString('utf8'));
  } catch {
    throw new SecretsError('MALFORMED', 'envelope plaintext is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SecretsError('MALFORMED', 'envelope plaintext is not an object');
  }
  const out: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw new SecretsError('MALFORMED', 'envelope values must be strings');
    out[name] = value;
  }
  return out;
}
