import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFile, symlink, writeFile, rm, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BundleError,
  contentHashOfBytes,
  contentHashOfFile,
  inspectBundle,
  packBundle,
  unpackBundle,
  type PackProgress,
} from '@annex/bundle';
import { listTree, makeProject, scaffoldManifest, tempDirPath as tempDir } from '@annex/test-support';

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const wasm = Buffer.alloc(300_000);
for (let i = 0; i < wasm.length; i++) wasm[i] = (i * 7919) % 251; // compressible, not trivially

async function project(extra: Record<string, string | Uint8Array> = {}) {
  return makeProject({
    'manifest.json': JSON.stringify(scaffoldManifest({ ui: { type: 'iframe', entry: 'ui/index.html' } })),
    'dist/main.wasm': wasm,
    'ui/index.html': '<!doctype html><h1>hello</h1>',
    'ui/assets/app.js': 'console.log("hi")',
    'assets/icon.svg': '<svg/>',
    'README.md': '# hello',
    'sbom.spdx.json': '{}',
    'src/main.ts': 'not bundled',
    'ui/.DS_Store': 'junk',
    'ui/node_modules/x/index.js': 'not bundled',
    ...extra,
  });
}

t.test('pack is reproducible byte for byte', async (t) => {
  const dir = await project();
  const first = await packBundle(dir);
  const second = await packBundle(dir);
  t.ok(first.bytes && second.bytes);
  t.ok(first.bytes?.equals(second.bytes as Buffer), 'identical bytes');
  t.equal(first.contentHash, second.contentHash);
  t.equal(first.contentHash, contentHashOfBytes(first.bytes as Buffer));
  t.match(first.contentHash, /^sha256:[0-9a-f]{64}$/);

  // Another checkout: other mtimes, modes and creation order give the same bundle.
  const other = await project();
  await writeFile(join(other, 'README.md'), '# hello');
  execFileSync('chmod', ['755', join(other, 'dist/main.wasm')]);
  execFileSync('touch', ['-d', '2001-01-01', join(other, 'ui/index.html')]);
  const third = await packBundle(other);
  t.equal(third.contentHash, first.contentHash, 'independent of mtime, mode and directory');
});

t.test('pack selects what belongs in a bundle, manifest first then sorted', async (t) => {
  const dir = await project();
  const result = await packBundle(dir);
  t.same(
    result.files.map((f) => f.path),
    [
      'manifest.json',
      'README.md',
      'assets/icon.svg',
      'dist/main.wasm',
      'sbom.spdx.json',
      'ui/assets/app.js',
      'ui/index.html',
    ],
  );
  t.equal(
    result.totalSize,
    result.files.reduce((sum, f) => sum + f.size, 0),
  );
});

t.test('pack → inspect → unpack round trip', async (t) => {
  const dir = await project();
  const packed = await packBundle(dir);
  const bytes = packed.bytes as Buffer;

  const info = await inspectBundle(bytes);
  t.equal(info.contentHash, packed.contentHash);
  t.equal(info.compressedSize, bytes.length);
  t.same(info.files, packed.files);
  t.equal(info.manifest.name, 'hello');
  t.equal(info.manifest.entry, 'dist/main.wasm');

  const target = join(await tempDir(), 'out');
  const unpacked = await unpackBundle(bytes, target, { expectedContentHash: packed.contentHash });
  t.equal(unpacked.contentHash, packed.contentHash);
  t.same(await listTree(target), [
    'README.md',
    'assets',
    'assets/icon.svg',
    'dist',
    'dist/main.wasm',
    'manifest.json',
    'sbom.spdx.json',
    'ui',
    'ui/assets',
    'ui/assets/app.js',
    'ui/index.html',
  ]);
  t.ok((await readFile(join(target, 'dist/main.wasm'))).equals(wasm), 'component bytes intact');
  t.equal(await readFile(join(target, 'ui/index.html'), 'utf8'), '<!doctype html><h1>hello</h1>');
});

t.test('large bundles span several zstd frames and round-trip', async (t) => {
  const big = Buffer.alloc(10 * 1024 * 1024);
  let x = 1;
  for (let i = 0; i < big.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    big[i] = x >>> 24;
  }
  const dir = await project({ 'assets/big.bin': big });
  const packed = await packBundle(dir);
  const bytes = packed.bytes as Buffer;
  let frames = 0;
  for (let i = bytes.indexOf(ZSTD_MAGIC); i !== -1; i = bytes.indexOf(ZSTD_MAGIC, i + 1)) frames++;
  t.ok(frames >= 3, `${frames} frames`);
  t.equal((await packBundle(dir)).contentHash, packed.contentHash, 'still reproducible');
  const target = join(await tempDir(), 'out');
  await unpackBundle(bytes, target);
  t.ok((await readFile(join(target, 'assets/big.bin'))).equals(big));
});

t.test('pack writes a file atomically and reports progress', async (t) => {
  const dir = await project();
  const output = join(await tempDir(), 'bundle.tar.zst');
  const events: PackProgress[] = [];
  const result = await packBundle(dir, { output, onProgress: (p) => events.push(p) });
  t.equal(result.path, output);
  t.notOk(result.bytes);
  t.equal(await contentHashOfFile(output), result.contentHash);
  t.equal(result.size, (await readFile(output)).length);
  t.ok(events.length >= 2);
  const last = events[events.length - 1] as PackProgress;
  t.equal(last.phase, 'done');
  t.equal(last.bytesDone, last.bytesTotal);
  t.ok(
    events.every((e, i) => i === 0 || e.bytesDone >= (events[i - 1] as PackProgress).bytesDone),
    'monotonic',
  );
  t.same(await listTree(join(output, '..')), ['bundle.tar.zst'], 'no temporary file left');
});

t.test('pack refuses what would not be a valid bundle', async (t) => {
  const missingEntry = await makeProject({ 'manifest.json': JSON.stringify(scaffoldManifest()) });
  await t.rejects(packBundle(missingEntry), { code: 'INVALID_MANIFEST', issues: [{ path: 'entry' }] });

  const badManifest = await makeProject({
    'manifest.json': JSON.stringify(scaffoldManifest({ version: 'one' })),
  });
  await t.rejects(packBundle(badManifest), { code: 'INVALID_MANIFEST', issues: [{ path: 'version' }] });

  const noManifest = await makeProject({ 'README.md': 'x' });
  await t.rejects(packBundle(noManifest), { code: 'PACK_FAILED', message: /manifest\.json/ });

  const withLink = await project();
  await symlink('/etc/passwd', join(withLink, 'ui/passwd'));
  const err = await packBundle(withLink).catch((e: unknown) => e);
  t.ok(err instanceof BundleError);
  t.match(err, { code: 'PACK_FAILED', message: /ui\/passwd is a symbolic link/ });

  const linkedDir = await project();
  await rm(join(linkedDir, 'assets'), { recursive: true });
  await mkdir(join(linkedDir, 'elsewhere'));
  await symlink(join(linkedDir, 'elsewhere'), join(linkedDir, 'assets'));
  await t.rejects(packBundle(linkedDir), { code: 'PACK_FAILED' });
});

t.test('pack refuses a bundle the registry would refuse as a bomb', async (t) => {
  const dir = await project({ 'assets/zeros.bin': Buffer.alloc(8 * 1024 * 1024) });
  await t.rejects(packBundle(dir), { code: 'INVALID_BUNDLE', entry: 'assets/zeros.bin', message: /ratio/ });
});

t.test('interoperates with the zstd and tar command-line tools', async (t) => {
  const hasTools = ['zstd', 'tar'].every((tool) => {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (!hasTools) {
    t.pass('zstd or tar not installed; skipped');
    return;
  }
  const dir = await project();
  const packed = await packBundle(dir, { output: join(await tempDir(), 'b.tar.zst') });
  const listing = execFileSync('sh', ['-c', `zstd -dc '${packed.path}' | tar -tvf -`], { encoding: 'utf8' });
  t.match(listing, /-rw-r--r-- 0\/0 .* manifest\.json/);

  // A bundle made by GNU tar and the zstd CLI (not annex pack) is accepted too.
  const foreign = join(await tempDir(), 'foreign.tar.zst');
  execFileSync('sh', [
    '-c',
    `cd '${dir}' && tar --format=gnu -cf - manifest.json dist ui/index.html ./README.md | zstd -19 -q -o '${foreign}'`,
  ]);
  const info = await inspectBundle(foreign);
  t.ok(
    info.files.some((f) => f.path === 'README.md'),
    'leading ./ removed',
  );
  t.ok(info.files.some((f) => f.path === 'dist/main.wasm'));
});
