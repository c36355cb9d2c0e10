import * as esbuild from 'esbuild';

export interface GuestBundle {
  code: string;
  /** Names the entry module exports. */
  exports: string[];
}

/**
 * Bundles the extension's entry (TS or JS) and everything it imports into one ES module, the only
 * input componentize-js takes. The `annex-guest` condition makes @annex/sdk link the component's real
 * host imports; `annex:` and `wasi:` specifiers stay imports for componentize-js to provide. Node
 * built-ins do not exist in a component, so the neutral platform lets esbuild reject them here.
 */
export async function bundleGuest(options: {
  projectDir: string;
  entry: string;
  minify: boolean;
  target: string;
  /** Extra folders to resolve packages from (a project outside any workspace finds @annex/sdk there). */
  nodePaths?: string[];
}): Promise<GuestBundle> {
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints: [options.entry],
      absWorkingDir: options.projectDir,
      bundle: true,
      write: false,
      outfile: 'guest.js',
      format: 'esm',
      platform: 'neutral',
      target: options.target,
      mainFields: ['module', 'main'],
      conditions: ['annex-guest'],
      nodePaths: options.nodePaths ?? [],
      external: ['annex:*', 'wasi:*'],
      metafile: true,
      minify: options.minify,
      legalComments: 'none',
      charset: 'utf8',
      logLevel: 'silent',
    });
  } catch (err) {
    throw new Error(`Bundling ${options.entry} failed:\n${describeEsbuildFailure(err)}`, { cause: err });
  }
  const output = result.outputFiles[0];
  const meta = Object.values(result.metafile.outputs)[0];
  if (!output || !meta) throw new Error(`Bundling ${options.entry} produced no output`);
  return { code: output.text, exports: meta.exports };
}

function describeEsbuildFailure(err: unknown): string {
  const errors = (err as { errors?: esbuild.Message[] }).errors;
  if (!errors?.length) return String(err);
  return errors
    .map((e) =>
      e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : e.text,
    )
    .join('\n');
}
