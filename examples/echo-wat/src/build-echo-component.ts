import { readFile } from 'node:fs/promises';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco';
import { WORLD, witSource } from '@annex/sdk/wit';

/** Path of the hand-written core module. */
export const echoWatPath = new URL('../echo.wat', import.meta.url);

let building: Promise<Uint8Array> | undefined;

/**
 * Builds the echo component from echo.wat: assemble the core module, embed the SDK's WIT (utf8
 * strings, world `extension`), wrap it into a component. About 0.3 s; the result is memoised per
 * process, and each caller gets its own copy.
 */
export async function buildEchoComponent(): Promise<Uint8Array> {
  building ??= (async () => {
    const core = await parse(await readFile(echoWatPath, 'utf8'));
    const embedded = await componentEmbed({ binary: core, witSource, world: WORLD, stringEncoding: 'utf8' });
    return componentNew(embedded);
  })();
  building.catch(() => {
    building = undefined; // let a later call retry
  });
  return (await building).slice();
}
