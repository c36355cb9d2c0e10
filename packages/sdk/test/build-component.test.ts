// The failure paths of buildComponent, all caught before componentize-js runs (a full build is
// covered by examples/hello/test).
import t from 'tap';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildComponent, bundleGuest } from '@annex/sdk/build';

const dir = await mkdtemp(join(tmpdir(), 'annex-sdk-build-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
await mkdir(join(dir, 'src'));

t.test('no entry', async (t) => {
  await t.rejects(buildComponent({ projectDir: dir }), /none of src\/index.ts/);
});

t.test('an entry without a handler export', async (t) => {
  await writeFile(join(dir, 'src/index.ts'), 'export const other = 1;\n');
  await t.rejects(buildComponent({ projectDir: dir }), /must export `handler`/);
});

t.test('Node built-ins are rejected with the file and line', async (t) => {
  await writeFile(
    join(dir, 'src/fs.ts'),
    "import { readFileSync } from 'node:fs';\nexport const handler = readFileSync;\n",
  );
  await t.rejects(
    buildComponent({ projectDir: dir, entry: 'src/fs.ts' }),
    /src\/fs\.ts:1:\d+: Could not resolve "node:fs"/,
  );
});

t.test('a manifest entry outside the project is refused', async (t) => {
  await writeFile(join(dir, 'src/index.ts'), 'export const handler = { handle() {} };\n');
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ entry: '../main.wasm' }));
  await t.rejects(buildComponent({ projectDir: dir }), /entry must be a path inside the project/);
});

t.test('the bundle links the real host imports and keeps them external', async (t) => {
  await writeFile(
    join(dir, 'src/kv.ts'),
    "import { defineHandler, kv, json } from '@annex/sdk';\nexport const handler = defineHandler(() => json(200, kv.getText('a')));\n",
  );
  // Resolve @annex/sdk from this package, as a scaffolded project would from its node_modules.
  await mkdir(join(dir, 'node_modules/@annex'), { recursive: true });
  await symlink(fileURLToPath(new URL('..', import.meta.url)), join(dir, 'node_modules/@annex/sdk'));
  const bundle = await bundleGuest({ projectDir: dir, entry: 'src/kv.ts', minify: false, target: 'es2022' });
  t.same(bundle.exports, ['handler']);
  t.match(bundle.code, /from "annex:extension\/kv@0\.1\.0"/);
  // esbuild's module comments name the files it took: the guest bindings, never the Node stand-in.
  t.match(bundle.code, /host\/guest-bindings\.js/);
  t.notMatch(bundle.code, /absent-bindings/);
});

t.test('a manifest that is not JSON is named', async (t) => {
  await writeFile(join(dir, 'manifest.json'), '{');
  await t.rejects(buildComponent({ projectDir: dir }), /manifest.json is not valid JSON/);
});
