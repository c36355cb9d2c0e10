import { isUuid } from '@annex/db';

/** `{ext}` in a route: an extension id (UUID) or its slug `publisher.name`. */
export type ExtensionRef = { id: string } | { publisher: string; name: string };

const SLUG_RE = /^([a-z0-9][a-z0-9-]{0,38})\.([a-z0-9][a-z0-9-]{0,63})$/;

/** Parses a reference; undefined when it is neither (the caller answers 404, not 400). */
export function parseExtensionRef(text: string): ExtensionRef | undefined {
  if (isUuid(text)) return { id: text.toLowerCase() };
  const match = SLUG_RE.exec(text);
  return match ? { publisher: match[1]!, name: match[2]! } : undefined;
}

export function slugOf(row: { publisher: string; name: string }): string {
  return `${row.publisher}.${row.name}`;
}
