import { createHash, type Hash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { finished as onFinished, Readable, Transform, Writable, type TransformCallback } from 'node:stream';
import { TooLargeError } from './store-errors.js';

/** What a store accepts as content: bytes, a Node stream, or any async iterable of bytes. */
export type StoreBody = Uint8Array | Readable | AsyncIterable<Uint8Array>;

export interface ContentDigest {
  size: number;
  /** SHA-256 of the bytes, 64 lowercase hex digits. */
  sha256: string;
}

/**
 * A pass-through that counts and hashes the bytes flowing through it, and fails with TooLargeError as
 * soon as they go past `maxBytes` (before the offending chunk is passed on). Memory stays bounded by the
 * stream's high-water marks.
 */
export class ContentMeter extends Transform {
  /** Bytes seen so far. (Not `size`: lib-storage would read a `size` on its Body as the total length.) */
  bytes = 0;
  exceeded = false;
  readonly maxBytes: number;
  readonly #hash: Hash = createHash('sha256');
  #digest: string | undefined;

  constructor(maxBytes = Number.POSITIVE_INFINITY) {
    super();
    this.maxBytes = maxBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      this.exceeded = true;
      callback(new TooLargeError(this.maxBytes));
      return;
    }
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  /** The hex digest; only once all bytes went through. */
  digest(): ContentDigest {
    this.#digest ??= this.#hash.digest('hex');
    return { size: this.bytes, sha256: this.#digest };
  }
}

/** A byte cap: an integer >= 0, or Infinity (the default) for none. */
export function assertMaxBytes(maxBytes: number | undefined): number {
  if (maxBytes === undefined || maxBytes === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0)
    throw new RangeError('maxBytes must be an integer >= 0');
  return maxBytes;
}

/**
 * Feeds `body` into a new ContentMeter. A caller's Readable is piped, not adopted: when the meter fails
 * (too large) the source is unpiped and left for its owner (an HTTP server can still answer 413 on the
 * same socket); an error or a premature close of the source fails the meter.
 */
export function meterBody(body: StoreBody, maxBytes: number): ContentMeter {
  const meter = new ContentMeter(maxBytes);
  // Bytes flow before the consumer is attached (it may still be opening a file or a connection); an
  // early failure is kept in `meter.errored` and reported by the consumer's pipeline, not thrown here.
  meter.on('error', () => {});
  if (body instanceof Uint8Array) {
    if (body.byteLength > maxBytes) {
      meter.exceeded = true;
      meter.bytes = body.byteLength;
      meter.destroy(new TooLargeError(maxBytes));
      return meter;
    }
    meter.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    return meter;
  }
  const source = body instanceof Readable ? body : Readable.from(body, { objectMode: false });
  const owned = source !== body;
  const stopWatching = onFinished(source, { writable: false }, (err) => {
    if (err) meter.destroy(err);
  });
  meter.once('close', () => {
    stopWatching();
    if (!meter.writableFinished) {
      source.unpipe(meter);
      if (owned) source.destroy();
    }
  });
  source.pipe(meter);
  return meter;
}

/**
 * Size and SHA-256 of a stream, read to its end in bounded memory (TooLargeError past `maxBytes`). A
 * Readable given here is consumed: it is destroyed when hashing fails (use it for store downloads).
 */
export async function digestStream(body: StoreBody, maxBytes?: number): Promise<ContentDigest> {
  try {
    return await digestBody(body, maxBytes);
  } catch (err) {
    if (body instanceof Readable) body.destroy();
    throw err;
  }
}

/** Like digestStream, but a caller's Readable is only unpiped on failure, as in meterBody. */
export async function digestBody(body: StoreBody, maxBytes?: number): Promise<ContentDigest> {
  const meter = meterBody(body, assertMaxBytes(maxBytes));
  await pipeline(
    meter,
    new Writable({
      write: (_chunk, _encoding, callback) => callback(),
    }),
  );
  return meter.digest();
}
