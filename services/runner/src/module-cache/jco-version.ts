import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TRANSPILE_OPTIONS } from './transpile-options.js';

function jcoTranspileVersion(): string {
  // The package's exports map hides package.json; find it next to the entry point's dist/ folder.
  const entry = fileURLToPath(import.meta.resolve('@bytecodealliance/jco-transpile'));
  const manifest = new URL('../package.json', `file://${entry}`);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/**
 * Names the transpiler and its options: cached glue and core modules are only reused by a runner
 * that would have produced the same files (a jco upgrade re-transpiles).
 */
export const TRANSPILER_TAG = `jco-transpile-${jcoTranspileVersion()}-${createHash('sha256')
  .update(JSON.stringify(TRANSPILE_OPTIONS))
  .digest('hex')
  .slice(0, 8)}`;
