import { RegistryError } from '../registry-error.js';

/** Opaque keyset cursor over (publisher, name): stable under inserts, no offsets. */
export function encodeCursor(publisher: string, name: string): string {
  return Buffer.from(JSON.stringify([publisher, name])).toString('base64url');
}

export function decodeCursor(cursor: string): { publisher: string; name: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) {
      return { publisher: value[0] as string, name: value[1] as string };
    }
  } catch {
    // fall through
  }
  throw new RegistryError('INVALID_CURSOR', 'cursor is not one this registry issued; start again without it');
}
