import { randomUUID } from 'node:crypto';
import { constants, createReadStream, createWriteStream, type BigIntStats } from 'node:fs';
import { access, link, mkdir, open, rename, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { assertRange, resolveRange } from './byte-range.js';
import type { BundleStore, CopyResult, ObjectInfo, ObjectStream, WriteOnceResult } from './bundle-store.js';
import {
  assertMaxBytes,
  digestStream,
  meterBody,
  type ContentDigest,
  type StoreBody,
} from './content-meter.js';
import {
  InvalidKeyError,
  ObjectChangedError,
  ObjectExistsError,
  ObjectNotFoundError,
  StoreError,
  StoreUnavailableError,
} from './store-errors.js';
import { assertBase, canonicalKey, parseContentHash, parseStoreKey, stagingKey } from './store-keys.js';

export interface FilesystemStoreSettings {
  dir: string;
  base: string;
}

const TEMP_DIR = '.tmp';

/**
 * The bundle store on a local directory: `<dir>/<key>`. Writes go to `<dir>/.tmp/` first (same file
 * system) and become visible atomically: `rename` for staging objects, `link` for write-once objects,
 * which fails with EEXIST instead of replacing a file. Copies hard-link the source (snapshotted first,
 * so `ifMatch` is exact). No presigned URLs and no multipart: callers stream through their own routes.
 */
export function createFilesystemBundleStore(settings: FilesystemStoreSettings): BundleStore {
  const root = resolve(settings.dir);
  const base = assertBase(settings.base);
  const tempDir = join(root, TEMP_DIR);

  const pathOf = (key: string): string => {
    parseStoreKey(key, base);
    const path = join(root, ...key.split('/'));
    if (!path.startsWith(root + sep)) throw new InvalidKeyError('key resolves outside the store');
    return path;
  };

  const tempPath = async (): Promise<string> => {
    await fsCall('creating the temporary directory', () => mkdir(tempDir, { recursive: true }));
    return join(tempDir, randomUUID());
  };

  /** Streams `body` into a new temporary file (fsynced), counting and hashing; removes it on failure. */
  const writeTemp = async (
    body: StoreBody,
    maxBytes: number,
  ): Promise<{ path: string; digest: ContentDigest }> => {
    const meter = meterBody(body, maxBytes);
    let path: string | undefined;
    try {
      path = await tempPath();
      // `wx`: never an existing file; `flush`: fsync before close, so a linked object is on disk.
      const file = createWriteStream(path, { flags: 'wx', flush: true });
      // Whichever side failed first is the cause: the source (too large, client gone) or the file.
      let first: { side: 'source' | 'file'; err: unknown } | undefined = meter.errored
        ? { side: 'source', err: meter.errored }
        : undefined;
      meter.once('error', (err) => (first ??= { side: 'source', err }));
      file.once('error', (err) => (first ??= { side: 'file', err }));
      try {
        await pipeline(meter, file);
      } catch (err) {
        if (first?.side === 'file') fsFailure('writing an object', first.err);
        throw first?.err ?? err;
      }
      return { path, digest: meter.digest() };
    } catch (err) {
      meter.destroy();
      if (path) await removeQuietly(path);
      throw err;
    }
  };

  const sameContent = async (key: string, path: string, size: number, sha256: () => Promise<string>) => {
    const existing = await fsCall('reading an object', () => stat(path));
    if (existing.size !== size) throw new ObjectExistsError(key);
    const stored = await fsCall('reading an object', () => digestStream(createReadStream(path)));
    if (stored.sha256 !== (await sha256())) throw new ObjectExistsError(key);
  };

  return {
    kind: 'filesystem',
    base,
    multipart: undefined,
    canonicalKey: (hash, object) => canonicalKey(hash, object, base),
    stagingKey,

    async head(key) {
      const path = pathOf(key);
      try {
        return infoOf(await stat(path, { bigint: true }));
      } catch (err) {
        if (isMissing(err)) return undefined;
        fsFailure('reading an object', err);
      }
    },

    async get(key, range): Promise<ObjectStream> {
      const path = pathOf(key);
      if (range) assertRange(range);
      let handle: FileHandle;
      try {
        handle = await open(path, 'r');
      } catch (err) {
        if (isMissing(err)) throw new ObjectNotFoundError(key);
        fsFailure('reading an object', err);
      }
      try {
        const info = infoOf(await handle.stat({ bigint: true }));
        if (!range) {
          return { body: handle.createReadStream(), size: info.size, totalSize: info.size, etag: info.etag };
        }
        const served = resolveRange(key, range, info.size);
        return {
          body: handle.createReadStream({ start: served.start, end: served.end }),
          size: served.end - served.start + 1,
          totalSize: info.size,
          etag: info.etag,
          range: served,
        };
      } catch (err) {
        await handle.close().catch(() => {});
        if (err instanceof StoreError) throw err;
        fsFailure('reading an object', err);
      }
    },

    async put(key, body, options = {}) {
      const parsed = parseStoreKey(key, base);
      if (parsed.kind !== 'staging') {
        throw new InvalidKeyError(
          'put writes staging keys only; canonical objects are written once (putIfAbsent)',
        );
      }
      const target = pathOf(key);
      const { path, digest } = await writeTemp(body, assertMaxBytes(options.maxBytes));
      try {
        await fsCall('storing an object', async () => {
          await mkdir(dirname(target), { recursive: true });
          await rename(path, target);
        });
        return digest;
      } catch (err) {
        await removeQuietly(path);
        throw err;
      }
    },

    async putIfAbsent(key, body, options = {}): Promise<WriteOnceResult> {
      const target = pathOf(key);
      const { path, digest } = await writeTemp(body, assertMaxBytes(options.maxBytes));
      try {
        if (await linkNoClobber(path, target)) return { ...digest, created: true };
        await sameContent(key, target, digest.size, async () => digest.sha256);
        return { ...digest, created: false };
      } finally {
        await removeQuietly(path);
      }
    },

    async copyIfAbsent(from, to, options = {}): Promise<CopyResult> {
      const source = pathOf(from);
      const target = pathOf(to);
      // A second name for the source's current inode: whatever replaces `from` meanwhile, this is what
      // gets checked and published.
      const snapshot = await tempPath();
      try {
        await link(source, snapshot);
      } catch (err) {
        if (isMissing(err)) throw new ObjectNotFoundError(from);
        fsFailure('copying an object', err);
      }
      try {
        const info = infoOf(await fsCall('copying an object', () => stat(snapshot, { bigint: true })));
        if (options.ifMatch !== undefined && options.ifMatch !== info.etag)
          throw new ObjectChangedError(from);
        if (await linkNoClobber(snapshot, target)) return { created: true, size: info.size };
        const known = options.sha256 === undefined ? undefined : parseContentHash(options.sha256);
        await sameContent(to, target, info.size, async () => {
          if (known) return known;
          return (await fsCall('reading an object', () => digestStream(createReadStream(snapshot)))).sha256;
        });
        return { created: false, size: info.size };
      } finally {
        await removeQuietly(snapshot);
      }
    },

    async deleteStaging(key) {
      const parsed = parseStoreKey(key, base);
      if (parsed.kind !== 'staging') throw new InvalidKeyError(`refusing to delete canonical object ${key}`);
      const path = pathOf(key);
      await removeQuietly(path);
      await rmdir(dirname(path)).catch(() => {});
    },

    async presignPut(key) {
      pathOf(key);
      return undefined;
    },

    async presignGet(key) {
      pathOf(key);
      return undefined;
    },

    async ping() {
      try {
        await mkdir(tempDir, { recursive: true });
        await access(root, constants.W_OK);
        await access(tempDir, constants.W_OK);
      } catch (err) {
        throw new StoreUnavailableError('bundle directory is not writable', errnoOf(err));
      }
    },

    close() {},
  };
}

/** Publishes `temp` at `target` unless `target` exists (hard link: atomic, never replaces). */
async function linkNoClobber(temp: string, target: string): Promise<boolean> {
  try {
    await mkdir(dirname(target), { recursive: true });
    await link(temp, target);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    fsFailure('storing an object', err);
  }
}

function infoOf(stats: BigIntStats): ObjectInfo {
  // Inode, size and nanosecond mtime: every replacement (rename of a new file) changes the inode.
  return {
    size: Number(stats.size),
    etag: `"${stats.ino.toString(16)}-${stats.size.toString(16)}-${stats.mtimeNs.toString(16)}"`,
  };
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function errnoOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'error';
}

/** File system errors carry paths in their messages: only the errno code leaves the store. */
function fsFailure(what: string, err: unknown): never {
  if (err instanceof StoreError) throw err;
  throw new StoreUnavailableError(what, errnoOf(err));
}

async function fsCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    fsFailure(what, err);
  }
}

async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => {});
}
