// The kv store on extension_kv directly: revisions and compare-and-set, quotas, expiry, listing,
// and row level security between tenants.
import t from 'tap';
import { createKvStore, KvError, type KvStore } from '@annex/runner';
import { createTestDatabase, testDatabaseKind, waitFor } from '@annex/test-support';
import { buildEchoComponent } from './components.js';
import { runnerHarness } from './harness.js';

const database = await createTestDatabase();
t.teardown(() => database.close());
// The harness seeds the install rows extension_kv's foreign key needs.
const h = await runnerHarness(t, { database });
const hash = await h.publish(await buildEchoComponent());
const a = await h.install(hash, 'tenant-a');
const b = await h.install(hash, 'tenant-b');
const scopeA = { tenantId: a.tenantId, installId: a.installId };

const limits = {
  maxKeyBytes: 512,
  maxValueBytes: 1024,
  maxKeysPerInstall: 8,
  maxBytesPerInstall: 4096,
  maxListLimit: 3,
};
const kv: KvStore = createKvStore(database.db, limits);
const bytes = (text: string) => new TextEncoder().encode(text);
const code = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (err) {
    return err instanceof KvError ? err.code : `other: ${(err as Error).message}`;
  }
  return 'no error';
};

t.test(`revisions and compare-and-set (${testDatabaseKind()})`, async (t) => {
  t.equal(await kv.get(scopeA, 'k'), undefined);
  t.equal(await kv.set(scopeA, 'k', bytes('one'), {}), 1n);
  t.equal(await kv.set(scopeA, 'k', bytes('two'), { expectedRevision: 1n }), 2n);
  t.equal(
    await code(kv.set(scopeA, 'k', bytes('x'), { expectedRevision: 1n })),
    'conflict',
    'stale revision',
  );
  t.equal(
    await code(kv.set(scopeA, 'k', bytes('x'), { expectedRevision: 0n })),
    'conflict',
    'only-if-absent',
  );
  t.equal(
    await kv.set(scopeA, 'new', bytes('n'), { expectedRevision: 0n }),
    1n,
    'only-if-absent on a new key',
  );
  const entry = await kv.get(scopeA, 'k');
  t.same(entry, { value: bytes('two'), revision: 2n });
  t.equal(await code(kv.delete(scopeA, 'k', 1n)), 'conflict');
  t.equal(await kv.delete(scopeA, 'k', 2n), true);
  t.equal(await kv.delete(scopeA, 'k'), false, 'nothing left to delete');
  t.equal(await kv.delete(scopeA, 'new'), true);
});

t.test('keys and values are checked', async (t) => {
  t.equal(await code(kv.set(scopeA, '', bytes('x'), {})), 'invalid-key');
  t.equal(await code(kv.set(scopeA, 'a\u0000b', bytes('x'), {})), 'invalid-key');
  t.equal(await code(kv.get(scopeA, 'x'.repeat(513))), 'invalid-key');
  t.equal(await code(kv.set(scopeA, 'é'.repeat(257), bytes('x'), {})), 'invalid-key', '514 bytes of UTF-8');
  t.equal(await code(kv.set(scopeA, 'big', new Uint8Array(1025), {})), 'too-large');
});

t.test('key count and byte quotas per install', async (t) => {
  for (let i = 0; i < 8; i++) await kv.set(scopeA, `q${i}`, bytes('v'), {});
  t.equal(await code(kv.set(scopeA, 'q8', bytes('v'), {})), 'quota-exceeded', 'a ninth key');
  t.equal(await kv.set(scopeA, 'q0', bytes('rewritten'), {}), 2n, 'rewriting an existing key is fine');
  for (let i = 1; i <= 4; i++) await kv.set(scopeA, `q${i}`, new Uint8Array(1000), {});
  // 16 bytes of keys + 9 + 4 × 1000 + 3 × 1 of values = 4028 of 4096.
  t.equal(await code(kv.set(scopeA, 'q5', new Uint8Array(100), {})), 'quota-exceeded', 'bytes');
  t.equal(await code(kv.set(scopeA, 'q5', new Uint8Array(60), {})), 'no error', 'just under the byte quota');
  for (let i = 0; i < 8; i++) await kv.delete(scopeA, `q${i}`);
  t.equal(await code(kv.set(scopeA, 'q8', bytes('v'), {})), 'no error', 'deleting frees the quota');
  await kv.delete(scopeA, 'q8');
});

t.test('listing is sorted, paged, and takes the prefix literally', async (t) => {
  for (const key of ['p:b', 'p:a', 'p:c', 'p:d', 'p%x', 'p_y', 'other'])
    await kv.set(scopeA, key, bytes('1'), {});
  const first = await kv.list(scopeA, 'p:', undefined, 100);
  t.same(first, { keys: ['p:a', 'p:b', 'p:c'], cursor: 'p:c' }, 'capped at maxListLimit');
  t.same(await kv.list(scopeA, 'p:', first.cursor, 100), { keys: ['p:d'] });
  t.same(await kv.list(scopeA, 'p%', undefined, 10), { keys: ['p%x'] }, '% is not a wildcard');
  t.same(await kv.list(scopeA, 'p_', undefined, 10), { keys: ['p_y'] }, '_ is not a wildcard');
  t.same((await kv.list(scopeA, 'p:', undefined, 0)).keys, ['p:a'], 'a limit of 0 is one');
  for (const key of ['p:b', 'p:a', 'p:c', 'p:d', 'p%x', 'p_y', 'other']) await kv.delete(scopeA, key);
});

t.test('entries expire after their ttl', async (t) => {
  await kv.set(scopeA, 'ttl', bytes('soon gone'), { ttlMs: 1500n });
  t.same((await kv.get(scopeA, 'ttl'))?.value, bytes('soon gone'), 'readable before it expires');
  await waitFor(async () => ((await kv.get(scopeA, 'ttl')) === undefined ? true : undefined), {
    what: 'expiry',
  });
  t.same(await kv.list(scopeA, 'ttl', undefined, 10), { keys: [] });
  t.equal(
    await kv.set(scopeA, 'ttl', bytes('back'), { expectedRevision: 0n }),
    2n,
    'absent again, revision still grows',
  );
  await kv.delete(scopeA, 'ttl');
});

t.test("one tenant never reaches another tenant's rows", async (t) => {
  await kv.set(scopeA, 'private', bytes('a only'), {});
  // Tenant b naming tenant a's install: row level security hides the rows.
  t.equal(await kv.get({ tenantId: b.tenantId, installId: a.installId }, 'private'), undefined);
  t.same(await kv.list({ tenantId: b.tenantId, installId: a.installId }, '', undefined, 10), { keys: [] });
  t.not(
    await code(kv.set({ tenantId: b.tenantId, installId: a.installId }, 'private', bytes('x'), {})),
    'no error',
  );
  t.same(await kv.get(scopeA, 'private'), { value: bytes('a only'), revision: 1n });
});
