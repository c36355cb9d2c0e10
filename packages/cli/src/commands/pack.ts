import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadBundle } from '../lazy-modules.js';
import { CliError, EXIT, type Output } from '../output.js';
import { byteProgress } from '../progress.js';

export const DEFAULT_BUNDLE = 'bundle.tar.zst';

/** Packs a project with a progress bar; shared by `pack` and `publish`. */
export async function packProject(dir: string, outputFile: string, out: Output) {
  const { isBundleError, packBundle } = await loadBundle();
  const bar = byteProgress('packing', 1, !out.json);
  try {
    return await packBundle(dir, {
      output: outputFile,
      onProgress: (p) => bar.update(p.bytesDone, p.bytesTotal),
    });
  } catch (err) {
    if (isBundleError(err)) {
      const issues = err.issues?.map((i) => `\n  ${i.path || '(manifest)'}: ${i.message}`).join('') ?? '';
      throw new CliError(`cannot pack ${dir}: ${err.message}${issues}`, EXIT.failed, err.code);
    }
    throw err;
  } finally {
    bar.stop();
  }
}

/** `annex pack [dir] [-o file]`: a reproducible bundle.tar.zst (same inputs, same bytes). */
export function registerPack(program: Command, output: () => Output): void {
  program
    .command('pack [dir]')
    .description('pack the extension into a reproducible bundle.tar.zst')
    .option('-o, --out <file>', `output file (default: <dir>/${DEFAULT_BUNDLE})`)
    .action(async (dir: string | undefined, opts: { out?: string }) => {
      const out = output();
      const projectDir = resolve(dir ?? '.');
      const file = resolve(opts.out ?? resolve(projectDir, DEFAULT_BUNDLE));
      const result = await packProject(projectDir, file, out);
      out.result(
        {
          path: file,
          contentHash: result.contentHash,
          size: result.size,
          files: result.files.length,
          manifest: {
            name: result.manifest.name,
            publisher: result.manifest.publisher,
            version: result.manifest.version,
          },
        },
        `packed ${result.manifest.publisher}.${result.manifest.name}@${result.manifest.version} → ${file}\n  ${result.files.length} files, ${result.size} bytes\n  ${result.contentHash}`,
      );
    });
}
