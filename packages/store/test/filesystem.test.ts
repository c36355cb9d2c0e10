import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import t, { type Test } from 'tap';
import { createBundleStore, ObjectExistsError, StoreUnavailableError, TooLargeError } from '@annex/store';
import { tempDir } from '@annex/test-support';
import { chunked, newBundle, newUploadId, readAll, runContract } from './contract.js';

function fsStore(t: Test, base = 'sha256/') {
  const dir = tempDir('annex-store-');
  t.teardown(dir.remove);
  return { dir: dir.path, store: createBundleStore({ kind: 'filesystem', dir: dir.path, base }) };
}

t.test('contract: filesystem store', async (t) => {
  runContract(t, async (t) => fsStore(t).store);
});

t.test('contract: filesystem store with another base', async (t) => {
  runContract(t, async (t) => fsStore(t, 'bundles/v1/').store);
});

t.test('objects live at <dir>/<key>; failed writes leave no temporary files', async (t) => {
  const { dir, store } = fsStore(t);
  const { bytes, hash, key } = newBundle(store);
  await store.putIfAbsent(key, bytes);
  t.same(readdirSync(join(dir, 'sha256', hash)), ['bundle.tar.zst']);
  await t.rejects(
    store.put(store.stagingKey(newUploadId()), chunked(randomBytes(50_000), 1000), { maxBytes: 10 }),
    TooLargeError,
  );
  await t.rejects(store.putIfAbsent(key, randomBytes(10)), ObjectExistsError);
  const staging = store.stagingKey(newUploadId());
  await store.put(staging, bytes);
  await store.copyIfAbsent(staging, key);
  t.same(readdirSync(join(dir, '.tmp')), [], 'no temporary file left behind');
  await store.deleteStaging(staging);
  t.same(readdirSync(join(dir, 'staging')), [], 'the upload directory is removed with its object');
});

t.test('concurrent write-once puts: exactly one writer creates, identical ones reuse', async (t) => {
  const { store } = fsStore(t);
  const { bytes, key } = newBundle(store, 200_000);
  const results = await Promise.all(
    Array.from({ length: 6 }, () => store.putIfAbsent(key, chunked(bytes, 4096))),
  );
  t.equal(results.filter((r) => r.created).length, 1);
  t.ok((await readAll(store, key)).equals(bytes));
});

t.test('concurrent write-once puts of different content: one wins, the others never overwrite', async (t) => {
  const { store } = fsStore(t);
  const { key } = newBundle(store);
  const contents = Array.from({ length: 6 }, () => randomBytes(50_000));
  const settled = await Promise.allSettled(contents.map((c) => store.putIfAbsent(key, chunked(c, 4096))));
  const won = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [i] : []));
  t.equal(won.length, 1);
  for (const s of settled) if (s.status === 'rejected') t.type(s.reason, ObjectExistsError);
  t.ok((await readAll(store, key)).equals(contents[won[0]!]!));
});

t.test('ping and writes report an unusable directory without its path', async (t) => {
  const parent = tempDir('annex-store-');
  t.teardown(parent.remove);
  // A regular file where the store's directory should be: fails for root too (unlike permissions).
  writeFileSync(join(parent.path, 'not-a-dir'), 'x');
  const dir = join(parent.path, 'not-a-dir', 'bundles');
  const store = createBundleStore({ kind: 'filesystem', dir, base: 'sha256/' });
  const err = await store.ping().catch((e: unknown) => e);
  t.type(err, StoreUnavailableError);
  t.match(err, { code: 'STORE_UNAVAILABLE', detail: 'ENOTDIR' });
  t.notMatch((err as Error).message, parent.path);
  const write = await store.put(store.stagingKey(newUploadId()), Buffer.from('x')).catch((e: unknown) => e);
  t.type(write, StoreUnavailableError);
  t.notMatch((write as Error).message, parent.path);
});

t.test('a base that could escape or collide is refused', async (t) => {
  const dir = tempDir('annex-store-');
  t.teardown(dir.remove);
  for (const base of ['../', 'a/../', 'staging/', 'staging/x/', '.tmp/', 'sha256', '/abs/', 'a//']) {
    t.throws(
      () => createBundleStore({ kind: 'filesystem', dir: dir.path, base }),
      { code: 'INVALID_KEY' },
      base,
    );
  }
});
