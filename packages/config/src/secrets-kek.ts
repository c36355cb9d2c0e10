import { createHash } from 'node:crypto';

/** A key-encryption key for install secrets: the first of the list encrypts, every one decrypts. */
export interface Kek {
  id: string;
  key: Buffer;
}

const KEY_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

/** Key id of a key written without one: a short digest of the key, so it is stable and reveals nothing. */
export function deriveKekId(key: Buffer): string {
  return `k${createHash('sha256').update('annex-kek-id\0').update(key).digest('hex').slice(0, 16)}`;
}

/** Parses `SECRETS_KEK`: comma-separated `[keyId:]base64`, each key exactly 32 bytes. */
export function parseKeks(text: string): Kek[] {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error('must list at least one key');
  const keks: Kek[] = [];
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon === -1 ? undefined : entry.slice(0, colon);
    const material = colon === -1 ? entry : entry.slice(colon + 1);
    if (id !== undefined && !KEY_ID_RE.test(id)) {
      throw new Error(`key ${index + 1}: key id must match ${KEY_ID_RE.source}`);
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(material)) throw new Error(`key ${index + 1}: not base64`);
    const key = Buffer.from(material, 'base64');
    if (key.length !== 32) throw new Error(`key ${index + 1}: must decode to 32 bytes, got ${key.length}`);
    keks.push({ id: id ?? deriveKekId(key), key });
  });
  const ids = new Set(keks.map((k) => k.id));
  if (ids.size !== keks.length) throw new Error('key ids must be unique');
  return keks;
}
