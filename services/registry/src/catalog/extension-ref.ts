/** `{ext}` in a route: an extension id (UUID) or its slug `publisher.name`. */
export type ExtensionRef = { id: string } | { publisher: string; name: string };

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SLUG_RE = /^([a-z0-9][a-z0-9-]{0,38})\.([a-z0-9][a-z0-9-]{0,63})$/;

/** Parses a reference; undefined when it is neither (the caller answers 404, not 400). */
export function parseExtensionRef(text: string): ExtensionRef | undefined {
  if (UUID_RE.test(text)) return { id: text.toLowerCase() };
  const match = SLUG_RE.exec(text);
  return match ? { publisher: match[1]!, name: match[2]! } : undefined;
}

export function slugOf(row: { publisher: string; name: string }): string {
  return `${row.publisher}.${row.name}`;
}
