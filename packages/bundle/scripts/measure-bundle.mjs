// Measures pack, inspect and unpack of a large bundle on the running Node version.
// Usage: node packages/bundle/scripts/measure-bundle.mjs [MiB=200]   (after `tsc -b`)
// Figures go into packages/bundle/README.md; they are for choosing designs, not for tests.
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packBundle, inspectBundle, unpackBundle, defaultZstdDecoder } from '@annex/bundle';

const rate = (bytes, ms) => `${(bytes / 1048576 / (ms / 1000)).toFixed(0)} MiB/s`;
const rss = () => `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`;

// Child mode: one operation on an existing bundle, so peak RSS belongs to that operation alone.
if (process.argv[2] === '--child') {
  const [, , , operation, bundle, decoder, target] = process.argv;
  const start = performance.now();
  const info =
    operation === 'inspect'
      ? await inspectBundle(bundle, { decoder })
      : await unpackBundle(bundle, target, { decoder });
  console.log(
    `${operation} (${decoder}): ${rate(info.totalSize, performance.now() - start)}, peak RSS ${rss()}, ${info.contentHash}`,
  );
  process.exit(0);
}

const mib = Number(process.argv[2] ?? 200);
const root = await mkdtemp(join(tmpdir(), 'annex-measure-'));
const project = join(root, 'project');
await mkdir(join(project, 'assets'), { recursive: true });
await writeFile(
  join(project, 'manifest.json'),
  JSON.stringify({ name: 'measure', publisher: 'annex', version: '1.0.0' }),
);
// Data that compresses about 2:1 and is literal-heavy (harder than a typical wasm component).
let x = 1;
for (let part = 0; part < mib / 8; part++) {
  const data = Buffer.alloc(8 * 1024 * 1024);
  for (let i = 0; i < data.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const r = x >>> 24;
    data[i] = r < 160 ? 0 : r < 220 ? r & 0x0f : r;
  }
  await writeFile(join(project, 'assets', `part-${part}.bin`), data);
}

const output = join(root, 'bundle.tar.zst');
const start = performance.now();
const packed = await packBundle(project, { output, verify: false });
console.log(`${process.version}, default decoder ${defaultZstdDecoder}`);
console.log(
  `pack: ${packed.totalSize} -> ${packed.size} bytes (ratio ${(packed.totalSize / packed.size).toFixed(2)}), ${rate(packed.totalSize, performance.now() - start)}, peak RSS ${rss()}`,
);
const self = fileURLToPath(import.meta.url);
for (const decoder of defaultZstdDecoder === 'node:zlib' ? ['node:zlib', 'fzstd'] : ['fzstd']) {
  for (const operation of ['inspect', 'unpack']) {
    const target = join(root, `out-${decoder.replace(':', '-')}`);
    execFileSync(process.execPath, [self, '--child', operation, output, decoder, target], {
      stdio: 'inherit',
    });
  }
}
await rm(root, { recursive: true, force: true });
