/**
 * A bundle from the store into a staging directory: signature policy first (an untrusted bundle is
 * never downloaded), then the archive streamed once through the bundle package's unpack, which
 * hashes it as it goes (HASH_MISMATCH at the end) and applies every archive rule, while the same
 * bytes are kept as `bundle.tar.zst` for later re-verification.
 */
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { signaturePolicy, unpackBundle, type Manifest } from '@annex/bundle';
import { ObjectNotFoundError, type BundleStore } from '@annex/store';
import { BundleTooLarge } from './bundle-failure.js';

export const ARCHIVE_FILE = 'bundle.tar.zst';
export const SIGNATURE_FILE = 'bundle.sig';
export const FILES_DIR = 'files';
const MAX_SIGNATURE_BYTES = 1024 * 1024;

export interface FetchedBundle {
  manifest: Manifest;
  bytes: number;
}

async function readSignature(store: BundleStore, contentHash: string): Promise<Buffer | undefined> {
  let object;
  try {
    object = await store.get(store.canonicalKey(contentHash, 'signature'));
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw err;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of object.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_SIGNATURE_BYTES) {
      object.body.destroy();
      throw new BundleTooLarge(MAX_SIGNATURE_BYTES);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function fetchBundle(options: {
  store: BundleStore;
  contentHash: string;
  trustPem: string | undefined;
  maxBundleBytes: number;
  stagingDir: string;
}): Promise<FetchedBundle> {
  const { store, contentHash, stagingDir } = options;
  const signature = await readSignature(store, contentHash);
  signaturePolicy({ contentHash, signature, trust: options.trustPem ?? null });

  const object = await store.get(store.canonicalKey(contentHash, 'bundle'));
  if (object.size > options.maxBundleBytes) {
    object.body.destroy();
    throw new BundleTooLarge(options.maxBundleBytes);
  }
  await mkdir(stagingDir, { recursive: true });
  const archive = await open(join(stagingDir, ARCHIVE_FILE), 'wx');
  let compressed = 0;
  async function* kept(): AsyncGenerator<Buffer> {
    for await (const chunk of object.body as AsyncIterable<Buffer>) {
      compressed += chunk.length;
      if (compressed > options.maxBundleBytes) throw new BundleTooLarge(options.maxBundleBytes);
      await archive.write(chunk);
      yield chunk;
    }
  }
  let info;
  try {
    info = await unpackBundle(kept(), join(stagingDir, FILES_DIR), { expectedContentHash: contentHash });
  } finally {
    object.body.destroy();
    await archive.close();
  }
  if (signature) await writeFile(join(stagingDir, SIGNATURE_FILE), signature);
  return { manifest: info.manifest, bytes: compressed + info.totalSize + (signature?.length ?? 0) };
}
