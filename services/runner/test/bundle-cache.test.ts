// The bundle and module caches: content-addressed fetches, re-verification after a restart (a tampered
// cached bundle or transpiled glue is refetched or refused, never run), the signature policy, LRU
// eviction under the byte cap that spares bundles in use, and the store's failures.
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { generateSigningKeyPair } from '@annex/bundle';
import { createTestDatabase, waitFor } from '@annex/test-support';
import { ECHO_CONTENT_TYPE } from '@annex/example-echo-wat';
import { buildEchoComponent, buildProbeComponent } from './components.js';
import { runnerHarness } from './harness.js';

const database = await createTestDatabase();
t.teardown(() => database.close());

const bundleDir = (dataDir: string, hash: string) => join(dataDir, 'runner-cache', 'bundles', hash.slice(7));

t.test('a tampered cached bundle is refetched from the store, never run', async (t) => {
  const first = await runnerHarness(t, { database });
  const echo = await first.publish(await buildEchoComponent());
  const install = await first.install(echo);
  t.equal((await first.execute(first.envelope(install))).statusCode, 200);
  await first.close(true);

  // Swap the cached component for another one, as an attacker with the cache volume could.
  const cached = join(bundleDir(first.dataDir, echo), 'files', 'dist', 'main.wasm');
  await writeFile(cached, await buildProbeComponent());

  const second = await runnerHarness(t, { database, dataDir: first.dataDir });
  const res = await second.execute(second.envelope(install, { http: { path: '/trap' } }));
  t.equal(res.statusCode, 200, 'the echo ran, not the planted probe (which would trap)');
  t.equal(res.json().headers['content-type'], ECHO_CONTENT_TYPE);
  const stats = await second.stats();
  t.equal(stats.bundles.verifications, 1, 're-verified on first use by the new process');
  t.equal(stats.bundles.integrityFailures, 1);
  t.equal(stats.bundles.fetches, 1, 'fetched again');
  t.not(await readFile(cached).then((b) => b.length), (await buildProbeComponent()).length);
  await second.close(true);

  // With the store's copy damaged too, the bundle is refused.
  await writeFile(cached, await buildProbeComponent());
  const storeFile = join(first.dataDir, 'bundles', 'sha256', echo.slice(7), 'bundle.tar.zst');
  const bytes = await readFile(storeFile);
  bytes.writeUInt8(bytes.readUInt8(bytes.length - 100) ^ 0xff, bytes.length - 100);
  await writeFile(storeFile, bytes);
  const third = await runnerHarness(t, { database, dataDir: first.dataDir });
  const refused = await third.execute(third.envelope(install, { http: { path: '/trap' } }));
  t.equal(refused.statusCode, 502);
  t.match(refused.json(), { error: { code: 'BUNDLE_INTEGRITY' } });
  t.equal((await third.stats()).modules.transpiles, 0, 'nothing from the bad bundle was transpiled');
  await third.close(true);
});

t.test(
  'a bundle unchanged on disk is re-verified, not refetched; its transpiled modules are reused',
  async (t) => {
    const first = await runnerHarness(t, { database });
    const echo = await first.publish(await buildEchoComponent());
    const install = await first.install(echo);
    t.equal((await first.execute(first.envelope(install))).statusCode, 200);
    await first.close(true);

    const second = await runnerHarness(t, { database, dataDir: first.dataDir });
    t.equal((await second.execute(second.envelope(install))).statusCode, 200);
    const stats = await second.stats();
    t.equal(stats.bundles.verifications, 1);
    t.equal(stats.bundles.fetches, 0);
    t.equal(stats.modules.transpiles, 0, 'glue and core modules came from disk');
    t.equal(stats.modules.diskHits, 1);
    t.equal(stats.modules.compiles, 1, 'compiled once in the new process');
    await second.close(true);

    // Tampered glue (JavaScript the workers would import) fails its MAC: transpiled again.
    const modulesDir = join(first.dataDir, 'runner-cache', 'modules', echo.slice(7));
    const [tag] = await import('node:fs/promises').then((fs) => fs.readdir(modulesDir));
    await appendFile(join(modulesDir, tag!, 'component.js'), '\nthrow new Error("planted");\n');
    const third = await runnerHarness(t, { database, dataDir: first.dataDir });
    t.equal((await third.execute(third.envelope(install))).statusCode, 200);
    t.equal((await third.stats()).modules.transpiles, 1);
    await third.close();
  },
);

t.test('signature policy: with a trust bundle, unsigned and untrusted bundles are refused', async (t) => {
  const trusted = generateSigningKeyPair('ed25519');
  const stranger = generateSigningKeyPair('ecdsa-p256');
  const h = await runnerHarness(t, { database, env: { SIGNING_TRUST_BUNDLE: trusted.publicKeyPem } });
  const component = await buildEchoComponent();

  const signed = await h.install(await h.publish(component, { signWith: trusted.privateKeyPem }));
  t.equal((await h.execute(h.envelope(signed))).statusCode, 200, 'signed by a trusted key');

  const unsigned = await h.install(await h.publish(component));
  const noSig = await h.execute(h.envelope(unsigned));
  t.equal(noSig.statusCode, 502);
  t.match(noSig.json(), { error: { code: 'SIGNATURE_INVALID', details: { reason: 'SIGNATURE_REQUIRED' } } });

  const untrusted = await h.install(await h.publish(component, { signWith: stranger.privateKeyPem }));
  const bad = await h.execute(h.envelope(untrusted));
  t.equal(bad.statusCode, 502);
  t.match(bad.json(), { error: { code: 'SIGNATURE_INVALID', details: { reason: 'SIGNER_UNTRUSTED' } } });

  const stats = await h.stats();
  t.equal(stats.bundles.fetches, 3);
  t.equal(stats.modules.transpiles, 1, 'only the trusted bundle went further');
  t.notOk(
    await stat(bundleDir(h.dataDir, unsigned.contentHash)).catch(() => undefined),
    'refused bundles are not cached',
  );
});

t.test('an unknown hash is 404 BUNDLE_NOT_FOUND', async (t) => {
  const h = await runnerHarness(t, { database });
  const echo = await h.publish(await buildEchoComponent());
  const install = await h.install(echo);
  const res = await h.execute(h.envelope(install, { context: { content_hash: `sha256:${'0'.repeat(64)}` } }));
  t.equal(res.statusCode, 404);
  t.match(res.json(), { error: { code: 'BUNDLE_NOT_FOUND' } });
});

t.test('an unreachable store is 502 STORE_UNAVAILABLE', async (t) => {
  const h = await runnerHarness(t, {
    database,
    env: {
      STORAGE_S3_BUCKET: 'annex-bundles',
      STORAGE_S3_ENDPOINT: 'http://127.0.0.1:9',
      STORAGE_S3_ACCESS_KEY: 'ak',
      STORAGE_S3_SECRET_KEY: 'sk',
      STORAGE_S3_FORCE_PATH_STYLE: 'true',
    },
  });
  const res = await h.execute(
    h.envelope(
      { tenantId: 't1', installId: 'i', extensionId: 'e', contentHash: `sha256:${'1'.repeat(64)}` },
      {},
    ),
  );
  t.equal(res.statusCode, 502);
  t.match(res.json(), { error: { code: 'STORE_UNAVAILABLE' } });
  t.notMatch(res.body, /\bsk\b|ak\b/);
});

t.test('past the byte cap the least recently used bundles go, never one in use', async (t) => {
  const h = await runnerHarness(t, { database, env: { RUNNER_CACHE_MAX_BYTES: String(1024 * 1024) } });
  const probe = await h.install(await h.publish(await buildProbeComponent()));
  // Holds its bundle for as long as the test needs (the app is closed before the timeout).
  const spinning = h.execute(h.envelope(probe, { http: { path: '/loop' }, limits: { timeout_ms: 30_000 } }));
  await waitFor(async () => ((await h.stats()).pool.busy === 1 ? true : undefined));

  const echo = await buildEchoComponent();
  const installs = [];
  for (let i = 0; i < 14; i++) {
    const install = await h.install(await h.publish(echo));
    installs.push(install);
    t.equal((await h.execute(h.envelope(install))).statusCode, 200);
  }
  const stats = await h.stats();
  t.ok(stats.bundles.evictions > 0, `${stats.bundles.evictions} evictions`);
  t.ok(
    stats.bundles.bytes <= 1024 * 1024 + 200 * 1024,
    `${stats.bundles.bytes} bytes: the cap, give or take the bundle in use`,
  );
  t.ok(await stat(bundleDir(h.dataDir, probe.contentHash)), 'the bundle in use stayed');
  t.notOk(
    await stat(bundleDir(h.dataDir, installs[0]!.contentHash)).catch(() => undefined),
    'the oldest idle bundle went',
  );
  t.ok(await stat(bundleDir(h.dataDir, installs[13]!.contentHash)), 'the newest stayed');
  const again = await h.execute(h.envelope(installs[0]!));
  t.equal(again.statusCode, 200, 'an evicted bundle is simply fetched again');
  await h.close();
  t.not((await spinning).statusCode, 200, 'the spinning call ended with the app');
});
