// Components the runner's tests publish, all built at test time: the WAT echo, the probe (probe.wat,
// hostile and host-calling behaviours) and the JS hello example (componentize-js, cached on disk).
import { readFile } from 'node:fs/promises';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco';
import { WORLD, witSource } from '@annex/sdk/wit';
import { buildEchoComponent } from '@annex/example-echo-wat';
import { buildHelloComponent } from '@annex/example-hello';

export { buildEchoComponent };

let probe: Promise<Uint8Array> | undefined;

export function buildProbeComponent(): Promise<Uint8Array> {
  probe ??= (async () => {
    const core = await parse(await readFile(new URL('./fixtures/probe.wat', import.meta.url), 'utf8'));
    const embedded = await componentEmbed({ binary: core, witSource, world: WORLD, stringEncoding: 'utf8' });
    return componentNew(embedded);
  })();
  return probe;
}

/** hello's component (dist/main.wasm of the example, rebuilt only when its inputs changed). */
export async function buildHello(): Promise<Uint8Array> {
  const built = await buildHelloComponent({ cache: true });
  return readFile(built.outFile);
}
