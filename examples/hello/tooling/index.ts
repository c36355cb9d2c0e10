import { fileURLToPath } from 'node:url';
import { buildComponent, type BuildComponentOptions, type BuildComponentResult } from '@annex/sdk/build';

/** The hello project directory (manifest.json, src/, ui/). */
export const helloDir = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Builds hello into dist/main.wasm (or `outFile`). Cached by default: the tens of seconds of
 * componentize-js are skipped when neither the sources, the SDK nor the toolchain changed.
 */
export function buildHelloComponent(
  options: Partial<BuildComponentOptions> = {},
): Promise<BuildComponentResult> {
  return buildComponent({ cache: true, ...options, projectDir: helloDir });
}
