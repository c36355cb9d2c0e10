import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { buildHelloComponent } from '@annex/example-hello';
import { createBundleStore } from '@annex/store';
import {
  startS3rver,
  startTestPlatform,
  TEST_ADMIN_TOKEN,
  tempDir,
  testDatabaseKind,
} from '@annex/test-support';
import { annex } from './cli-harness.js';

const hello = fileURLToPath(new URL('../../../examples/hello', import.meta.url));

/**
 * Publishing examples/hello with the CLI against the embedded default (filesystem store) and
 * against S3 (s3rver): the same content hash, the canonical objects, a visible version.
 */
t.test(`annex publish examples/hello (${testDatabaseKind()})`, async (t) => {
  await buildHelloComponent({ cache: true });
  const s3 = await startS3rver();
  t.teardown(() => s3.close());
  const config = tempDir();
  t.teardown(config.remove);
  const env = { ANNEX_CONFIG_DIR: config.path };
  t.equal((await annex(['keygen'], env)).code, 0);

  const hashes: string[] = [];
  for (const [label, extraEnv] of [
    ['filesystem', {}],
    ['s3rver', s3.env()],
  ] as const) {
    await t.test(label, async (t) => {
      const platform = await startTestPlatform(extraEnv);
      t.teardown(() => platform.stop());
      const publisher = await fetch(`${platform.registryUrl}/v1/api-keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'publisher', publishers: ['acme'] }),
      });
      const { key } = (await publisher.json()) as { key: string };
      const res = await annex(
        ['--json', 'publish', hello, '--registry', platform.registryUrl, '--key', key],
        env,
      );
      t.equal(res.code, 0, res.stderr || res.stdout);
      const result = JSON.parse(res.stdout);
      t.match(result, {
        extension: { slug: 'acme.hello' },
        version: '1.0.0',
        contentHash: /^sha256:[0-9a-f]{64}$/,
        signature: { status: 'unverified' },
      });
      hashes.push(result.contentHash);

      const store = createBundleStore(platform.registryConfig.store);
      t.teardown(() => store.close());
      for (const object of ['bundle', 'manifest', 'signature'] as const) {
        const key = store.canonicalKey(result.contentHash, object);
        t.ok(await store.head(key), `${key} exists`);
        t.match(
          key,
          new RegExp(
            `^sha256/${result.contentHash.slice(7)}/(bundle\\.tar\\.zst|manifest\\.json|bundle\\.sig)$`,
          ),
        );
      }
      if (label === 'filesystem') {
        t.ok(
          existsSync(
            join(
              platform.registryConfig.dataDir,
              'bundles',
              'sha256',
              result.contentHash.slice(7),
              'bundle.tar.zst',
            ),
          ),
        );
      }

      const versions = await fetch(`${platform.registryUrl}/v1/extensions/acme.hello/versions`, {
        headers: { authorization: `Bearer ${key}` },
      });
      const body = (await versions.json()) as { items: { version: string; contentHash: string }[] };
      t.same(
        body.items.map((v) => [v.version, v.contentHash]),
        [['1.0.0', result.contentHash]],
      );

      // The bundle comes back: streamed from the filesystem, or a redirect to a presigned URL on S3.
      const download = await fetch(`${platform.registryUrl}/v1/extensions/acme.hello/versions/1.0.0/bundle`, {
        headers: { authorization: `Bearer ${key}` },
      });
      t.equal(download.status, 200);
      const bytes = Buffer.from(await download.arrayBuffer());
      t.equal(bytes.length, (await store.head(store.canonicalKey(result.contentHash, 'bundle')))!.size);

      const again = await annex(['publish', hello, '--registry', platform.registryUrl, '--key', key], env);
      t.equal(again.code, 1);
      t.match(again.stderr, /acme\.hello@1\.0\.0 is already published; bump the version/);
    });
  }
  t.equal(hashes.length, 2);
  t.equal(hashes[0], hashes[1], 'the same content hash on both stores');
});

t.test('publish refuses a tenant key with a clear message', async (t) => {
  const platform = await startTestPlatform();
  t.teardown(() => platform.stop());
  const res = await fetch(`${platform.registryUrl}/v1/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'tenant', tenantId: 't1' }),
  });
  const { key } = (await res.json()) as { key: string };
  const out = await annex(
    ['publish', hello, '--registry', platform.registryUrl, '--key', key, '--no-sign'],
    {},
  );
  t.equal(out.code, 1);
  t.match(out.stderr, /a tenant key cannot publish \(this key lacks the role for it\)/);
});
