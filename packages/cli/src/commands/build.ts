import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT, type Output } from '../output.js';

/**
 * The node_modules folders where this CLI's own @annex/sdk lives (its own folder in a workspace, the
 * one it is installed in otherwise), so a project outside any workspace builds without installing.
 */
function sdkNodePaths(): string[] {
  return ['../../node_modules', '../../../../node_modules', '../../..']
    .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
    .filter((dir) => existsSync(`${dir}/@annex/sdk`));
}

/** `annex build [dir]`: bundles src/ and turns it into a WebAssembly component (dist/main.wasm). */
export function registerBuild(program: Command, output: () => Output): void {
  program
    .command('build [dir]')
    .description('build the extension into a WebAssembly component (componentize-js with the SDK WIT)')
    .option('--entry <file>', 'module exporting `handler` (default: src/index.ts)')
    .option('-o, --out <file>', "output (default: the manifest's entry, else dist/main.wasm)")
    .option('--minify', 'minify the bundled JavaScript')
    .action(async (dir: string | undefined, opts: { entry?: string; out?: string; minify?: boolean }) => {
      const out = output();
      const projectDir = resolve(dir ?? '.');
      out.info('building the component (bundle, then componentize; this takes 10 to 40 seconds)…');
      const { buildComponent } = await import('@annex/sdk/build');
      let result;
      try {
        result = await buildComponent({
          projectDir,
          nodePaths: sdkNodePaths(),
          ...(opts.entry ? { entry: opts.entry } : {}),
          ...(opts.out ? { outFile: opts.out } : {}),
          ...(opts.minify ? { minify: true } : {}),
        });
      } catch (err) {
        throw new CliError(`build failed: ${(err as Error).message}`, EXIT.failed, 'BUILD_FAILED');
      }
      output().result(
        {
          outFile: result.outFile,
          size: result.size,
          sha256: result.sha256,
          durationMs: Math.round(result.durationMs),
        },
        `built ${result.outFile} (${(result.size / 1024 / 1024).toFixed(1)} MiB, ${(result.durationMs / 1000).toFixed(1)} s)`,
      );
    });
}
