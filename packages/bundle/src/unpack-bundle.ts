/**
 * unpackBundle: writes a bundle into a directory. Files are created here, one safe join at a time
 * (never by a tar extractor), with O_EXCL so nothing existing is followed or overwritten; the
 * target must be new or empty. On any error the partial tree is removed, so a directory either
 * holds a whole valid bundle or nothing.
 */
import { constants } from 'node:fs';
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { BundleError } from './bundle-error.js';
import { readBundle, type BundleInfo, type BundleSource, type ReadBundleOptions } from './read-bundle.js';

export interface UnpackResult extends BundleInfo {
  directory: string;
}

const FILE_MODE = 0o644;
const DIR_MODE = 0o755;

export async function unpackBundle(
  source: BundleSource,
  targetDir: string,
  options: ReadBundleOptions = {},
): Promise<UnpackResult> {
  const root = resolve(targetDir);
  const created = await prepareTarget(root);
  const made = new Set<string>();

  const ensureDir = async (relative: string) => {
    if (relative === '' || made.has(relative)) return;
    await mkdir(safeJoin(root, relative), { recursive: true, mode: DIR_MODE });
    made.add(relative);
  };

  try {
    const info = await readBundle(
      source,
      async (entry) => {
        if (entry.kind === 'directory') {
          await ensureDir(entry.path);
          return;
        }
        const slash = entry.path.lastIndexOf('/');
        await ensureDir(slash === -1 ? '' : entry.path.slice(0, slash));
        // O_EXCL never follows a link and never reuses an existing file.
        const handle = await open(
          safeJoin(root, entry.path),
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0),
          FILE_MODE,
        );
        try {
          for await (const chunk of entry.body) await handle.write(chunk);
        } finally {
          await handle.close();
        }
      },
      options,
    );
    return { ...info, directory: root };
  } catch (err) {
    if (created) await rm(root, { recursive: true, force: true });
    else await emptyDirectory(root);
    throw err;
  }
}

/** True when the directory was created here (and may be removed whole on failure). */
async function prepareTarget(root: string): Promise<boolean> {
  try {
    const existing = await readdir(root);
    if (existing.length > 0) {
      throw new BundleError('TARGET_NOT_EMPTY', `Cannot unpack into ${root}: the directory is not empty`);
    }
    return false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(root, { recursive: true, mode: DIR_MODE });
  return true;
}

async function emptyDirectory(root: string): Promise<void> {
  for (const name of await readdir(root)) await rm(join(root, name), { recursive: true, force: true });
}

/**
 * Paths reaching here already passed the archive rules; this is the second lock on the door, so a
 * future change to those rules cannot turn into a write outside the target.
 */
function safeJoin(root: string, relative: string): string {
  const full = resolve(root, ...relative.split('/'));
  if (!full.startsWith(root + sep)) {
    throw new BundleError(
      'INVALID_BUNDLE',
      `Invalid bundle entry ${JSON.stringify(relative)}: escapes the target`,
      {
        entry: relative,
      },
    );
  }
  return full;
}
