/**
 * Decides which files of a project directory go into its bundle (SPEC section 3): manifest.json,
 * the component (manifest `entry`), ui/**, assets/**, README.md and the SBOM. Everything else in
 * the directory (sources, node_modules, dot-files) stays out. Symlinks are refused rather than
 * followed, so a bundle never depends on what a link pointed at when it was packed.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_ARCHIVE_LIMITS } from './archive-limits.js';
import { BundleError, manifestError } from './bundle-error.js';
import { unsafePathReason } from './bundle-path.js';
import { checkBundleFiles } from './check-bundle-files.js';
import type { Manifest } from './manifest-schema.js';
import { parseManifest } from './validate-manifest.js';

export interface CollectedFile {
  path: string;
  size: number;
}

const TREES = ['ui', 'assets'];
const DEFAULT_SBOM = 'sbom.spdx.json';
/** Never part of a bundle, wherever they appear under ui/ or assets/. */
const SKIPPED = new Set(['node_modules', 'Thumbs.db']);

export async function collectBundleFiles(
  dir: string,
): Promise<{ manifest: Manifest; files: CollectedFile[] }> {
  const manifestStat = await statFile(dir, 'manifest.json');
  if (!manifestStat) throw packError(`${join(dir, 'manifest.json')} does not exist`);
  if (manifestStat.size > DEFAULT_ARCHIVE_LIMITS.maxManifestBytes)
    throw packError('manifest.json is larger than 1 MiB');
  const result = parseManifest(await readFile(join(dir, 'manifest.json')));
  if (!result.ok) throw manifestError(result.issues);
  const manifest = result.manifest;

  const files = new Map<string, number>();
  files.set('manifest.json', manifestStat.size);
  for (const single of [manifest.entry, 'README.md', manifest.sbom ?? DEFAULT_SBOM]) {
    const stat = await statFile(dir, single);
    if (stat) files.set(single, stat.size);
  }
  for (const tree of TREES) await walk(dir, tree, files);

  for (const path of files.keys()) {
    const reason = unsafePathReason(path);
    if (reason) throw packError(`${JSON.stringify(path)} cannot be bundled: ${reason}`);
  }
  const issues = checkBundleFiles(manifest, files.keys());
  if (issues.length > 0) throw manifestError(issues);
  if (files.size > DEFAULT_ARCHIVE_LIMITS.maxEntries) {
    throw packError(
      `${files.size} files is more than the ${DEFAULT_ARCHIVE_LIMITS.maxEntries} a bundle may hold`,
    );
  }

  // manifest.json first, so readers validate it before streaming the rest; then byte order,
  // which does not depend on the locale or the file system's listing order.
  const sorted = [...files.entries()]
    .filter(([path]) => path !== 'manifest.json')
    .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map(([path, size]) => ({ path, size }));
  return { manifest, files: [{ path: 'manifest.json', size: manifestStat.size }, ...sorted] };
}

async function statFile(dir: string, relative: string) {
  try {
    const stat = await lstat(join(dir, ...relative.split('/')));
    if (stat.isSymbolicLink())
      throw packError(`${relative} is a symbolic link; bundles hold only regular files`);
    if (!stat.isFile()) throw packError(`${relative} is not a regular file`);
    return stat;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function walk(dir: string, relative: string, files: Map<string, number>): Promise<void> {
  let names: string[];
  try {
    const stat = await lstat(join(dir, relative));
    if (stat.isSymbolicLink())
      throw packError(`${relative} is a symbolic link; bundles hold only regular files`);
    if (!stat.isDirectory()) return;
    names = await readdir(join(dir, relative));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const name of names) {
    if (name.startsWith('.') || SKIPPED.has(name)) continue;
    const path = `${relative}/${name}`;
    const stat = await lstat(join(dir, path));
    if (stat.isSymbolicLink()) throw packError(`${path} is a symbolic link; bundles hold only regular files`);
    if (stat.isDirectory()) await walk(dir, path, files);
    else if (stat.isFile()) files.set(path, stat.size);
    else throw packError(`${path} is not a regular file or directory`);
  }
}

function packError(message: string): BundleError {
  return new BundleError('PACK_FAILED', `Cannot pack: ${message}`);
}
