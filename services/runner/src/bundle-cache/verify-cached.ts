/**
 * Re-verification of a bundle found on disk, the first time this process uses it (SPEC section 10):
 * the signature policy again, the archive re-read with every rule and its hash compared, and each
 * unpacked file compared with the archive's bytes. Anything else on disk, or anything missing, fails.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readBundle, signaturePolicy } from '@annex/bundle';
import { listFiles, sha256File } from './disk-files.js';
import { ARCHIVE_FILE, FILES_DIR, SIGNATURE_FILE, type FetchedBundle } from './fetch-bundle.js';

export class CachedBundleDamaged extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CachedBundleDamaged';
  }
}

export async function verifyCached(
  dir: string,
  contentHash: string,
  trustPem: string | undefined,
): Promise<FetchedBundle> {
  const signature = await readFile(join(dir, SIGNATURE_FILE)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  signaturePolicy({ contentHash, signature, trust: trustPem ?? null });

  const digests = new Map<string, string>();
  const info = await readBundle(
    join(dir, ARCHIVE_FILE),
    async (entry) => {
      if (entry.kind !== 'file') return;
      const hash = createHash('sha256');
      for await (const chunk of entry.body) hash.update(chunk);
      digests.set(entry.path, hash.digest('hex'));
    },
    { expectedContentHash: contentHash },
  );
  const filesDir = join(dir, FILES_DIR);
  const onDisk = await listFiles(filesDir);
  if (onDisk.length !== digests.size) {
    throw new CachedBundleDamaged(
      `the unpacked tree has ${onDisk.length} files, the archive ${digests.size}`,
    );
  }
  for (const path of onDisk) {
    const expected = digests.get(path);
    if (expected === undefined || (await sha256File(join(filesDir, path))) !== expected) {
      throw new CachedBundleDamaged(`unpacked file ${JSON.stringify(path)} differs from the archive`);
    }
  }
  return { manifest: info.manifest, bytes: info.compressedSize + info.totalSize + (signature?.length ?? 0) };
}
