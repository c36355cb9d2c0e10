/**
 * The path rules of SPEC section 3, shared by unpack (archive entry names), pack (files found on
 * disk) and the manifest (entry, ui.entry, sbom), so all three agree on what a safe name is.
 */

// C0 controls, DEL and C1 controls: never meaningful in a file name, and they hide in terminals.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;
const DRIVE_RE = /^[A-Za-z]:/;
/** Generous, but keeps one pathological pax name from dominating memory or error output. */
export const MAX_PATH_BYTES = 1024;

/** Why a name is unsafe, or undefined when it is a safe relative path of non-empty segments. */
export function unsafePathReason(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name.includes('\u0000')) return 'the name contains a NUL character';
  if (CONTROL_RE.test(name)) return 'the name contains a control character';
  if (name.includes('\\')) return 'the name contains a backslash';
  if (name.startsWith('/') || DRIVE_RE.test(name)) return 'the name is an absolute path';
  if (Buffer.byteLength(name) > MAX_PATH_BYTES) return `the name is longer than ${MAX_PATH_BYTES} bytes`;
  const segments = name.split('/');
  if (segments.includes('..')) return 'the name contains a ".." segment';
  if (segments.includes('.')) return 'the name contains a "." segment';
  if (segments.includes('')) return 'the name contains an empty segment';
  return undefined;
}

export function isSafeRelativePath(name: string): boolean {
  return unsafePathReason(name) === undefined;
}

/**
 * Normalizes an archive entry name before the rules apply: one or more leading `./` are removed
 * (so `./x` and `x` are the same entry for duplicate detection) and a directory's trailing `/`
 * is dropped. Returns '' for the archive root (`./`), which callers skip.
 */
export function normalizeEntryName(raw: string, isDirectory: boolean): string {
  let name = raw;
  while (name.startsWith('./')) name = name.slice(2);
  if (name === '.') name = '';
  if (isDirectory && name.endsWith('/')) name = name.slice(0, -1);
  return name;
}

/** Key under which two names collide on case-insensitive or normalizing file systems (macOS, Windows). */
export function foldPathKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}
