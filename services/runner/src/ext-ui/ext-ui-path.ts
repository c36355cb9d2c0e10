import { isUuid } from '@annex/db';
import { runnerErrors } from '../runner-errors.js';

const HASH = /^(?:sha256:)?([0-9a-f]{64})$/i;
// C0 controls, DEL and C1 controls (NUL included).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export interface ExtUiTarget {
  extensionId: string;
  /** `sha256:<hex>`, lower case. */
  contentHash: string;
  /** Decoded, sanitized segments below `ui/`; empty for the bare prefix. */
  segments: string[];
}

/**
 * Parses the raw request URL `/ext-ui/{extensionId}/{contentHash}/{path}` itself (rather than the
 * router's decoded wildcard) so that encoded dot segments (`%2e%2e`), encoded slashes and encoded
 * control characters are judged after decoding, one segment at a time. 400 on anything unsafe.
 */
export function parseExtUiUrl(rawUrl: string): ExtUiTarget {
  const path = rawUrl.split(/[?#]/, 1)[0]!;
  const parts = path.split('/');
  // ['', 'ext-ui', id, hash, ...rest]
  const [, , rawId = '', rawHash = '', ...rest] = parts;
  const extensionId = decodeSegment(rawId);
  if (!isUuid(extensionId)) throw runnerErrors.badRequest('the extension id must be a UUID');
  const hash = HASH.exec(decodeSegment(rawHash));
  if (!hash) throw runnerErrors.badRequest('the content hash must be sha256:<64 hex digits>');
  // A trailing slash (or the bare prefix) leaves one empty last segment: the entry (SPA) path.
  if (rest.length > 0 && rest[rest.length - 1] === '') rest.pop();
  const segments = rest.map(decodeSegment);
  for (const segment of segments) checkSegment(segment);
  return {
    extensionId: extensionId.toLowerCase(),
    contentHash: `sha256:${hash[1]!.toLowerCase()}`,
    segments,
  };
}

function decodeSegment(raw: string): string {
  if (raw.includes('\\')) throw runnerErrors.badRequest('backslashes are not allowed in ext-ui paths');
  try {
    return decodeURIComponent(raw);
  } catch {
    throw runnerErrors.badRequest('the path is not valid percent-encoding');
  }
}

function checkSegment(segment: string): void {
  if (segment === '') throw runnerErrors.badRequest('empty path segments are not allowed');
  if (segment === '.' || segment === '..') throw runnerErrors.badRequest('dot segments are not allowed');
  if (segment.startsWith('.')) throw runnerErrors.badRequest('hidden files are not served');
  if (segment.includes('\\')) throw runnerErrors.badRequest('backslashes are not allowed in ext-ui paths');
  if (segment.includes('/')) throw runnerErrors.badRequest('encoded slashes are not allowed');
  if (CONTROL.test(segment)) throw runnerErrors.badRequest('control characters are not allowed');
}

/** Whether the last segment names a file type (`app.js`); SPA fallback applies only when it does not. */
export function hasExtension(segments: readonly string[]): boolean {
  const last = segments[segments.length - 1];
  return last !== undefined && /\.[^.]+$/.test(last);
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
  map: 'application/json; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/x-icon',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  wasm: 'application/wasm',
  mp4: 'video/mp4',
  webm: 'video/webm',
};

export function contentTypeOf(fileName: string): string {
  const ext = /\.([^.]+)$/.exec(fileName)?.[1]?.toLowerCase();
  return (ext && TYPES[ext]) ?? 'application/octet-stream';
}

/** Types worth compressing on the fly (text and wasm); images, fonts and video already are. */
export function isCompressible(contentType: string): boolean {
  return /^(text\/|application\/(json|xml|wasm)|image\/svg\+xml)/.test(contentType);
}
