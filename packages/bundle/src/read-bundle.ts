/**
 * The one pass over a bundle.tar.zst that everything else builds on: hash the compressed bytes,
 * scan and decode the zstd frames, read tar entries, and apply every archive rule of SPEC
 * sections 3 and 10 while the bytes stream by. manifest.json is validated the moment it is seen,
 * so a bad upload fails before the rest of a 200 MiB archive is read.
 */
import { createReadStream } from 'node:fs';
import { resolveLimits, type ArchiveLimits } from './archive-limits.js';
import { BundleError, invalidBundle, invalidEntry, manifestError } from './bundle-error.js';
import { normalizeEntryName, unsafePathReason } from './bundle-path.js';
import { checkBundleFiles } from './check-bundle-files.js';
import { ContentHasher, parseContentHash, type ContentHash } from './content-hash.js';
import { EntryTracker } from './entry-tracker.js';
import type { Manifest } from './manifest-schema.js';
import { readTarEntries } from './tar-reader.js';
import { parseManifest } from './validate-manifest.js';
import { decodeZstd, type ZstdDecoderName } from './zstd-decode.js';
import { ZstdFrameScanner } from './zstd-frame-scanner.js';

/** A file path, the bytes of a whole bundle, or any stream of chunks (a Readable, an S3 body). */
export type BundleSource = string | Uint8Array | AsyncIterable<Uint8Array>;

export interface ReadBundleOptions {
  limits?: Partial<ArchiveLimits>;
  /** Fail with HASH_MISMATCH unless the bytes hash to this (`sha256:<hex>` or bare hex). */
  expectedContentHash?: string;
  /** Defaults to node:zlib where present, else fzstd; tests force one to cover both. */
  decoder?: ZstdDecoderName;
}

export interface BundleFile {
  path: string;
  size: number;
}

export interface BundleInfo {
  manifest: Manifest;
  /** Regular files in archive order, paths normalized (no leading `./`). */
  files: BundleFile[];
  /** Sum of file sizes. */
  totalSize: number;
  contentHash: ContentHash;
  /** Size of the bundle.tar.zst itself. */
  compressedSize: number;
}

export interface BundleEntry {
  /** Normalized relative path. */
  path: string;
  kind: 'file' | 'directory';
  size: number;
  /** The file's bytes; read them to the end (what is left unread is skipped, still counted). */
  body: AsyncIterable<Buffer>;
}

/** Chunk size used when the source is a buffer, so the streaming ratio check sees real progress. */
const SLICE = 64 * 1024;
/** Safety valve on all decoded bytes (headers and padding included), far above any real tar. */
const DECODED_RATIO_FACTOR = 10;
const DECODED_GRACE = 16 * 1024 * 1024;

export async function readBundle(
  source: BundleSource,
  onEntry?: (entry: BundleEntry) => Promise<void>,
  options: ReadBundleOptions = {},
): Promise<BundleInfo> {
  const limits = resolveLimits(options.limits);
  const expected =
    options.expectedContentHash === undefined ? undefined : parseContentHash(options.expectedContentHash);
  const hasher = new ContentHasher();
  const scanner = new ZstdFrameScanner(limits.maxWindowBytes);

  async function* compressed(): AsyncGenerator<Buffer> {
    for await (const chunk of sourceChunks(source)) {
      hasher.update(chunk);
      let start = 0;
      for (const end of scanner.push(chunk)) {
        yield chunk.subarray(start, end);
        start = end;
      }
      if (start < chunk.length) yield chunk.subarray(start);
    }
    scanner.end();
  }

  const decodedCap = limits.maxUnpackedBytes + (limits.maxEntries + 2) * 2048 + DECODED_GRACE;
  let decoded = 0;
  const tar = decodeZstd(compressed(), {
    ...(options.decoder ? { decoder: options.decoder } : {}),
    onOutput: (bytes) => {
      decoded += bytes;
      if (
        decoded > decodedCap ||
        decoded > limits.maxRatio * DECODED_RATIO_FACTOR * hasher.bytes + DECODED_GRACE
      ) {
        throw invalidBundle(
          `decompression ratio above ${limits.maxRatio}:1 (the stream expands without bound)`,
        );
      }
    },
  });

  const tracker = new EntryTracker();
  const files: BundleFile[] = [];
  let entries = 0;
  let totalSize = 0;
  let fileBytes = 0;
  let manifest: Manifest | undefined;

  for await (const entry of readTarEntries(tar)) {
    const raw = entry.name;
    if (++entries > limits.maxEntries)
      throw invalidEntry(raw, `the archive has more than ${limits.maxEntries} entries`);
    const path = normalizeEntryName(raw, entry.kind === 'directory');
    if (path === '' && entry.kind === 'directory') continue; // the archive root, `./`
    const reason = unsafePathReason(path);
    if (reason) throw invalidEntry(raw, reason);
    tracker.add(raw, path, entry.kind);
    if (entry.kind === 'file') {
      totalSize += entry.size;
      if (totalSize > limits.maxUnpackedBytes) {
        throw invalidEntry(raw, `the unpacked size exceeds ${limits.maxUnpackedBytes} bytes`);
      }
      files.push({ path, size: entry.size });
    }

    // Every file byte passes here, read by onEntry or skipped, so the ratio is always checked.
    const counted = async function* (): AsyncGenerator<Buffer> {
      for await (const chunk of entry.body) {
        fileBytes += chunk.length;
        if (fileBytes > limits.ratioGraceBytes && fileBytes > limits.maxRatio * hasher.bytes) {
          throw invalidEntry(raw, `decompression ratio above ${limits.maxRatio}:1`);
        }
        yield chunk;
      }
    };

    let body: AsyncIterable<Buffer> = counted();
    if (path === 'manifest.json' && entry.kind === 'file') {
      if (entry.size > limits.maxManifestBytes) {
        throw invalidEntry(raw, `manifest.json is larger than ${limits.maxManifestBytes} bytes`);
      }
      const bytes = await collect(body);
      const result = parseManifest(bytes);
      if (!result.ok) throw manifestError(result.issues);
      manifest = result.manifest;
      body = (async function* () {
        yield bytes;
      })();
    }
    if (onEntry) await onEntry({ path, kind: entry.kind, size: entry.size, body });
    for await (const _chunk of body) {
      // drain whatever onEntry left unread, through the counter
    }
  }

  if (!manifest) throw invalidBundle('manifest.json is missing from the bundle root');
  const crossIssues = checkBundleFiles(
    manifest,
    files.map((file) => file.path),
  );
  if (crossIssues.length > 0) throw manifestError(crossIssues);

  const contentHash = hasher.digest();
  if (expected !== undefined && expected !== contentHash) {
    throw new BundleError(
      'HASH_MISMATCH',
      `Bundle hash ${contentHash} does not match the expected ${expected}`,
      {
        details: { expected, actual: contentHash },
      },
    );
  }
  return { manifest, files, totalSize, contentHash, compressedSize: hasher.bytes };
}

async function* sourceChunks(source: BundleSource): AsyncGenerator<Buffer> {
  if (typeof source === 'string') {
    yield* createReadStream(source, { highWaterMark: SLICE }) as AsyncIterable<Buffer>;
  } else if (source instanceof Uint8Array) {
    for (let offset = 0; offset < source.length; offset += SLICE) {
      yield Buffer.from(source.buffer, source.byteOffset + offset, Math.min(SLICE, source.length - offset));
    }
  } else {
    for await (const chunk of source) {
      yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    }
  }
}

async function collect(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(chunk);
  return Buffer.concat(parts);
}
