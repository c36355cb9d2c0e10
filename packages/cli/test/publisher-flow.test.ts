import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { tempDir } from '@annex/test-support';
import { annex } from './cli-harness.js';

/** The acceptance path: init → build → pack → sign → verify --trust, from a fresh scaffold. */
t.test(
  'annex init x && cd x && annex build && annex pack && annex sign && annex verify --trust <key>',
  async (t) => {
    const dir = tempDir();
    t.teardown(dir.remove);
    const env = { ANNEX_CONFIG_DIR: join(dir.path, 'config') };
    const project = join(dir.path, 'x');
    const inProject = async (args: string[]) => {
      const res = await annex(['--json', ...args], env, project);
      return { ...res, json: res.stdout ? JSON.parse(res.stdout) : undefined };
    };

    const init = await annex(['--json', 'init', project, '--publisher', 'acme'], env);
    t.equal(init.code, 0, init.stderr);
    t.same(JSON.parse(init.stdout).files, [
      '.gitignore',
      'README.md',
      'manifest.json',
      'src/index.ts',
      'ui/app.js',
      'ui/index.html',
    ]);
    t.equal((await annex(['init', project], env)).code, 2, 'refuses a folder that is not empty');

    const build = await inProject(['build']);
    t.equal(build.code, 0, build.stderr);
    t.match(build.json, { outFile: join(project, 'dist', 'main.wasm'), sha256: /^sha256:/ });

    const pack = await inProject(['pack']);
    t.equal(pack.code, 0, pack.stderr);
    t.match(pack.json, {
      path: join(project, 'bundle.tar.zst'),
      contentHash: /^sha256:[0-9a-f]{64}$/,
      manifest: { publisher: 'acme', name: 'x', version: '0.1.0' },
    });
    const again = await inProject(['pack', '-o', join(dir.path, 'second.tar.zst')]);
    t.equal(again.json.contentHash, pack.json.contentHash, 'packing twice gives the same content hash');
    t.same(
      readFileSync(join(dir.path, 'second.tar.zst')),
      readFileSync(join(project, 'bundle.tar.zst')),
      'byte for byte',
    );

    const keygen = await inProject(['keygen']);
    t.equal(keygen.code, 0, keygen.stderr);
    t.match(keygen.json.keyId, /^[0-9a-f]{64}$/);
    t.equal((await inProject(['keygen'])).code, 2, 'keeps an existing key unless --force');

    const sign = await inProject(['sign']);
    t.equal(sign.code, 0, sign.stderr);
    t.equal(sign.json.keyId, keygen.json.keyId);
    t.equal(sign.json.contentHash, pack.json.contentHash);

    const verify = await inProject(['verify', '--trust', keygen.json.publicKey]);
    t.equal(verify.code, 0, verify.stdout);
    t.match(verify.json, { ok: true, contentHash: pack.json.contentHash });
    t.same(
      verify.json.checks.map((c: { check: string; ok: boolean }) => [c.check, c.ok]),
      [
        ['archive', true],
        ['manifest', true],
        ['signature', true],
      ],
    );
    t.match(verify.json.checks[2].detail, /^verified: key:/);

    const human = await annex(['verify', '--trust', keygen.json.publicKey], env, project);
    t.match(human.stdout, /✓ signature: verified/);
    t.match(human.stdout, /bundle OK/);

    // Another key in the trust bundle: the signer is not trusted.
    const other = await inProject(['keygen', '--alg', 'p256', '--out', join(dir.path, 'other.pem')]);
    const untrusted = await inProject(['verify', '--trust', other.json.publicKey]);
    t.equal(untrusted.code, 1);
    t.match(untrusted.json.checks[2], { ok: false, code: 'SIGNER_UNTRUSTED' });

    // A tampered bundle no longer matches its signature.
    const bytes = readFileSync(join(project, 'bundle.tar.zst'));
    const tampered = join(dir.path, 'tampered.tar.zst');
    writeFileSync(tampered, Buffer.concat([bytes, Buffer.alloc(0)]));
    const sig = JSON.parse(readFileSync(join(project, 'bundle.tar.zst.sig'), 'utf8'));
    const packed2 = await inProject(['pack', '-o', tampered]);
    void packed2;
    writeFileSync(
      join(project, 'manifest.json'),
      readFileSync(join(project, 'manifest.json'), 'utf8').replace('"0.1.0"', '"0.1.1"'),
    );
    await inProject(['pack', '-o', tampered]);
    writeFileSync(`${tampered}.sig`, JSON.stringify(sig));
    const bad = await inProject(['verify', tampered, '--trust', keygen.json.publicKey]);
    t.equal(bad.code, 1);
    t.match(bad.json.checks[2], { ok: false, code: 'SIGNATURE_INVALID' });

    const inspect = await inProject(['inspect']);
    t.equal(inspect.code, 0);
    t.same(inspect.json.files.map((f: { path: string }) => f.path).sort(), [
      'README.md',
      'dist/main.wasm',
      'manifest.json',
      'ui/app.js',
      'ui/index.html',
    ]);
  },
);

t.test('verify names what is wrong with a hostile bundle', async (t) => {
  const dir = tempDir();
  t.teardown(dir.remove);
  const file = join(dir.path, 'bad.tar.zst');
  writeFileSync(file, 'not zstd at all');
  const res = await annex(['--json', 'verify', file], {}, dir.path);
  t.equal(res.code, 1);
  t.match(JSON.parse(res.stdout).checks[0], { check: 'archive', ok: false, code: 'INVALID_BUNDLE' });
  const missing = await annex(['verify', join(dir.path, 'none.tar.zst')], {}, dir.path);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /run `annex pack` first/);
});
