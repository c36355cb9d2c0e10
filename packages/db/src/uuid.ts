const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a value can be used where the schema has a `uuid` column (catalog, install, upload ids). */
export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}
