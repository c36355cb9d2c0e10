/**
 * packBundle: a project directory → bundle.tar.zst bytes (or file) and its content hash,
 * reproducible byte for byte: the file list is sorted, every header gets the same mode, owner and
 * mtime (node-tar `portable` + `noMtime`), and compression is the pinned wasm zstd of
 * zstd-encode.ts. The result is read back through the same rules the registry applies, so pack
 * never produces a bundle that finalize would refuse.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import * as tar from 'tar';
import { collectBundleFiles } from './collect-bundle-files.js';
import { ContentHasher, type ContentHash } from './content-hash.js';
import type { Manifest } from './manifest-schema.js';
import { inspectBundle } from './inspect-bundle.js';
import type { BundleFile } from './read-bundle.js';
import { encodeZstd } from './zstd-encode.js';

export interface PackProgress {
  phase: 'pack' | 'verify' | 'done';
  /** Tar bytes compressed so far (an estimate of bytesTotal until phase `done`). */
  bytesDone: number;
  bytesTotal: number;
  filesTotal: number;
}

export interface PackOptions {
  /** Write the bundle to this file (atomically, via a temporary sibling) instead of returning bytes. */
  output?: string;
  onProgress?: (progress: PackProgress) => void;
  /** Read the result back through inspectBundle (default true). */
  verify?: boolean;
}

export interface PackResult {
  contentHash: ContentHash;
  /** Size of the bundle.tar.zst. */
  size: number;
  manifest: Manifest;
  files: BundleFile[];
  /** Sum of file sizes. */
  totalSize: number;
  /** The bundle, when no `output` was given. */
  bytes?: Buffer;
  /** The written file, when `output` was given. */
  path?: string;
}

const FILE_MODE = 0o644;

export async function packBundle(dir: string, options: PackOptions = {}): Promise<PackResult> {
  const { manifest, files } = await collectBundleFiles(dir);
  const totalSize = files.reduce((sum, file) => sum + file.size, 0);
  // Headers plus block padding plus the end marker; pax headers for long names make it a little more.
  const bytesTotal = files.reduce((sum, file) => sum + 512 + Math.ceil(file.size / 512) * 512, 1024);
  const progress = (phase: PackProgress['phase'], bytesDone: number) =>
    options.onProgress?.({
      phase,
      bytesDone: Math.min(bytesDone, bytesTotal),
      bytesTotal,
      filesTotal: files.length,
    });

  const archive = tar.c(
    {
      cwd: dir,
      portable: true,
      noMtime: true,
      noDirRecurse: true,
      strict: true,
      // Same mode for every file whatever the checkout's umask or executable bits.
      onWriteEntry: (entry) => {
        if (entry.stat) entry.stat.mode = (entry.stat.mode & ~0o7777) | FILE_MODE;
      },
    },
    files.map((file) => file.path),
  ) as unknown as AsyncIterable<Buffer>;

  let tarBytes = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of archive) {
      tarBytes += chunk.length;
      progress('pack', tarBytes);
      yield chunk;
    }
  }

  const hasher = new ContentHasher();
  const parts: Buffer[] = [];
  const temporary = options.output ? `${options.output}.${randomBytes(6).toString('hex')}.tmp` : undefined;
  const out = temporary ? createWriteStream(temporary, { flags: 'wx' }) : undefined;
  try {
    for await (const frame of encodeZstd(counted())) {
      hasher.update(frame);
      if (out) {
        if (!out.write(frame))
          await new Promise<void>((resolveDrain) => out.once('drain', () => resolveDrain()));
      } else {
        parts.push(frame);
      }
    }
    if (out) {
      out.end();
      await finished(out);
    }
    const bytes = out ? undefined : Buffer.concat(parts);
    const contentHash = hasher.digest();
    if (options.verify !== false) {
      progress('verify', tarBytes);
      await inspectBundle((temporary ?? bytes) as string | Buffer, { expectedContentHash: contentHash });
    }
    if (temporary && options.output) await rename(temporary, options.output);
    progress('done', bytesTotal);
    return {
      contentHash,
      size: hasher.bytes,
      manifest,
      files,
      totalSize,
      ...(bytes ? { bytes } : {}),
      ...(options.output ? { path: options.output } : {}),
    };
  } catch (err) {
    out?.destroy();
    if (temporary) await rm(temporary, { force: true });
    throw err;
  }
}
