// `pnpm --filter @annex/example-hello build:component`: builds dist/main.wasm and prints the figures.
import { buildHelloComponent } from './index.js';

const result = await buildHelloComponent({ cache: process.argv.includes('--cache') });
console.log(
  `${result.outFile}: ${result.size} bytes, ${result.sha256}, ${result.cached ? 'cached' : `built in ${result.durationMs} ms`}`,
);
