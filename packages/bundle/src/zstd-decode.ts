/**
 * Streaming zstd decompression: node:zlib where it exists (Node 22.15+, 24: native, 270-430 MiB/s),
 * the pure-JS fzstd elsewhere (Node 20). Both are driven as pull-based async iterables, so a
 * consumer that stops reading stops the decoder, and memory stays bounded by one chunk.
 */
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { Decompress } from 'fzstd';
import { BundleError } from './bundle-error.js';

export type ZstdDecoderName = 'node:zlib' | 'fzstd';

interface NativeZstd {
  createZstdDecompress(options?: object): NodeJS.ReadWriteStream;
}

const native = zlib as unknown as Partial<NativeZstd>;

/** The decoder this process uses by default. */
export const defaultZstdDecoder: ZstdDecoderName =
  typeof native.createZstdDecompress === 'function' ? 'node:zlib' : 'fzstd';

/** fzstd decodes a whole pushed chunk at once; small pieces keep each burst of output small. */
const FZSTD_PIECE = 32 * 1024;

export interface DecodeOptions {
  decoder?: ZstdDecoderName;
  /**
   * Called with every decoded chunk before it is handed on; throwing stops decoding. The bundle
   * reader uses it as a safety valve on total output (the SPEC ratio itself is on file bytes).
   */
  onOutput?: (bytes: number) => void;
}

export function decodeZstd(
  source: AsyncIterable<Uint8Array>,
  options: DecodeOptions = {},
): AsyncIterable<Buffer> {
  const decoder = options.decoder ?? defaultZstdDecoder;
  if (decoder === 'node:zlib') {
    if (typeof native.createZstdDecompress !== 'function') {
      throw new Error('node:zlib has no zstd support in this Node version');
    }
    return decodeNative(source, native.createZstdDecompress(), options.onOutput);
  }
  return decodeFzstd(source, options.onOutput);
}

async function* decodeNative(
  source: AsyncIterable<Uint8Array>,
  stream: NodeJS.ReadWriteStream,
  onOutput?: (bytes: number) => void,
): AsyncGenerator<Buffer> {
  const input = Readable.from(source, { objectMode: false });
  let sourceError: unknown;
  input.on('error', (err) => {
    sourceError = err;
    (stream as unknown as Readable).destroy(err);
  });
  input.pipe(stream as unknown as NodeJS.WritableStream);
  try {
    for await (const chunk of stream as unknown as AsyncIterable<Buffer>) {
      onOutput?.(chunk.length);
      yield chunk;
    }
  } catch (err) {
    throw asBundleError(sourceError ?? err);
  } finally {
    input.destroy();
    (stream as unknown as Readable).destroy();
  }
}

async function* decodeFzstd(
  source: AsyncIterable<Uint8Array>,
  onOutput?: (bytes: number) => void,
): AsyncGenerator<Buffer> {
  const out: Buffer[] = [];
  const decompress = new Decompress((data) => {
    if (data.length === 0) return;
    onOutput?.(data.length);
    out.push(Buffer.from(data.buffer, data.byteOffset, data.length));
  });
  const push = (piece: Uint8Array, final: boolean) => {
    try {
      decompress.push(piece, final);
    } catch (err) {
      throw asBundleError(err);
    }
  };
  for await (const chunk of source) {
    for (let offset = 0; offset < chunk.length; offset += FZSTD_PIECE) {
      push(chunk.subarray(offset, offset + FZSTD_PIECE), false);
      while (out.length > 0) yield out.shift() as Buffer;
    }
  }
  push(new Uint8Array(0), true);
  while (out.length > 0) yield out.shift() as Buffer;
}

function asBundleError(err: unknown): unknown {
  if (err instanceof BundleError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new BundleError('INVALID_BUNDLE', `Invalid bundle: corrupt zstd stream (${message})`, {
    cause: err,
  });
}
