/**
 * Content hashes: `sha256:<64 lowercase hex>` of the bundle.tar.zst bytes (SPEC section 2).
 * One spelling everywhere; inputs may also be bare hex, which is normalized here.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { BundleError } from './bundle-error.js';

export type ContentHash = `sha256:${string}`;

const CANONICAL_RE = /^sha256:[0-9a-f]{64}$/;
const INPUT_RE = /^(?:sha256:)?([0-9a-fA-F]{64})$/;

export function isContentHash(value: unknown): value is ContentHash {
  return typeof value === 'string' && CANONICAL_RE.test(value);
}

/** Accepts `sha256:<hex>` or bare hex (any case) and returns the canonical spelling. */
export function parseContentHash(value: string): ContentHash {
  const match = INPUT_RE.exec(value.trim());
  if (!match?.[1]) {
    throw new BundleError(
      'INVALID_CONTENT_HASH',
      `Invalid content hash ${JSON.stringify(value)}: expected sha256:<64 hex digits>`,
    );
  }
  return `sha256:${match[1].toLowerCase()}`;
}

/** The hex part, as used in store keys. */
export function contentHashHex(hash: string): string {
  return parseContentHash(hash).slice('sha256:'.length);
}

export function contentHashOfBytes(bytes: Uint8Array): ContentHash {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Hashes a stream without holding it in memory. */
export async function contentHashOfStream(stream: AsyncIterable<Uint8Array | string>): Promise<ContentHash> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}

export function contentHashOfFile(path: string): Promise<ContentHash> {
  return contentHashOfStream(createReadStream(path));
}

/** Incremental hasher for code that already sees every chunk (pack, unpack). */
export class ContentHasher {
  readonly #hash = createHash('sha256');
  #bytes = 0;

  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.#bytes += chunk.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  digest(): ContentHash {
    return `sha256:${this.#hash.digest('hex')}`;
  }
}
