import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadBundle } from '../lazy-modules.js';
import { CliError, EXIT, type Output } from '../output.js';
import { DEFAULT_BUNDLE } from './pack.js';

/** `annex inspect [bundle]`: manifest, files, sizes and content hash, without unpacking. */
export function registerInspect(program: Command, output: () => Output): void {
  program
    .command('inspect [bundle]')
    .description(`show a bundle's manifest, files, sizes and content hash (default: ./${DEFAULT_BUNDLE})`)
    .action(async (bundle: string | undefined) => {
      const file = resolve(bundle ?? DEFAULT_BUNDLE);
      if (!existsSync(file)) throw new CliError(`no bundle at ${file}`, EXIT.usage, 'NO_BUNDLE');
      const { inspectBundle, isBundleError } = await loadBundle();
      let info;
      try {
        info = await inspectBundle(file);
      } catch (err) {
        if (isBundleError(err)) throw new CliError(`invalid bundle: ${err.message}`, EXIT.failed, err.code);
        throw err;
      }
      const m = info.manifest;
      const width = Math.max(...info.files.map((f) => String(f.size).length));
      output().result(
        info,
        [
          `${m.publisher}.${m.name}@${m.version}${m.displayName ? ` (${m.displayName})` : ''}`,
          `  content hash ${info.contentHash}`,
          `  ${info.compressedSize} bytes compressed, ${info.totalSize} unpacked`,
          `  capabilities ${m.capabilities?.join(', ') || 'none'}`,
          `  endpoints ${m.api?.endpoints.map((e) => `${e.method} ${e.path}`).join(', ') || 'none'}`,
          `  ui ${m.ui?.entry ?? 'none'}`,
          'files:',
          ...info.files.map((f) => `  ${String(f.size).padStart(width)}  ${f.path}`),
        ].join('\n'),
      );
    });
}
