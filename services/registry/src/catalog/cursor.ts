import { RegistryError } from '../registry-error.js';

/** Opaque keyset cursor over a tuple of strings: stable under inserts, no offsets. */
export function encodeKeyset(parts: readonly string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** A cursor that is not one of ours (or no longer matches the query's columns). */
export function invalidCursor(): RegistryError {
  return new RegistryError(
    'INVALID_CURSOR',
    'cursor is not one this registry issued; start again without it',
  );
}

export function decodeKeyset(cursor: string, length: number): string[] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === length && value.every((v) => typeof v === 'string')) {
      return value as string[];
    }
  } catch {
    // fall through
  }
  throw invalidCursor();
}

/** The catalog's cursor over (publisher, name). */
export function encodeCursor(publisher: string, name: string): string {
  return encodeKeyset([publisher, name]);
}

export function decodeCursor(cursor: string): { publisher: string; name: string } {
  const [publisher, name] = decodeKeyset(cursor, 2) as [string, string];
  return { publisher, name };
}
