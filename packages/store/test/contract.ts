import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Test } from 'tap';
import {
  InvalidKeyError,
  ObjectChangedError,
  ObjectExistsError,
  ObjectNotFoundError,
  RangeNotSatisfiableError,
  TooLargeError,
  type BundleStore,
} from '@annex/store';

/**
 * The behaviour every BundleStore implementation shares. Each implementation's test file calls
 * `runContract` with a factory; the factory gives each subtest a store (and registers its cleanup).
 */
export type MakeStore = (t: Test) => Promise<BundleStore>;

export const MiB = 1024 * 1024;

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function newUploadId(): string {
  return randomUUID();
}

/** Random content and the canonical keys of its hash. */
export function newBundle(store: BundleStore, size = 4096) {
  const bytes = randomBytes(size);
  const hash = sha256(bytes);
  return { bytes, hash, key: store.canonicalKey(`sha256:${hash}`, 'bundle') };
}

/** `bytes` as a stream of `chunk`-sized pieces, so writes really stream. */
export function chunked(bytes: Uint8Array, chunk = 64 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < bytes.length; i += chunk) yield Buffer.from(bytes.subarray(i, i + chunk));
    })(),
  );
}

/** A stream of `size` pseudo-random bytes generated on the fly (nothing held in memory). */
export function generated(size: number, chunk = 256 * 1024): Readable {
  return Readable.from(
    (function* () {
      const block = randomBytes(chunk);
      for (let sent = 0; sent < size; sent += chunk) yield block.subarray(0, Math.min(chunk, size - sent));
    })(),
  );
}

export async function readAll(store: BundleStore, key: string): Promise<Buffer> {
  const { body } = await store.get(key);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function runContract(t: Test, makeStore: MakeStore): void {
  t.test('put, head and get round trip a staging object', async (t) => {
    const store = await makeStore(t);
    const key = store.stagingKey(newUploadId());
    const bytes = randomBytes(100_000);
    t.same(await store.put(key, bytes), { size: bytes.length, sha256: sha256(bytes) });
    const info = await store.head(key);
    t.equal(info?.size, bytes.length);
    t.type(info?.etag, 'string');
    t.ok(info!.etag.length > 0);
    const got = await store.get(key);
    t.equal(got.size, bytes.length);
    t.equal(got.totalSize, bytes.length);
    t.equal(got.etag, info!.etag);
    t.equal(got.range, undefined);
    t.ok(Buffer.concat(await got.body.toArray()).equals(bytes));
  });

  t.test('an empty object round trips', async (t) => {
    const store = await makeStore(t);
    const key = store.stagingKey(newUploadId());
    t.same(await store.put(key, new Uint8Array(0)), { size: 0, sha256: sha256(new Uint8Array(0)) });
    t.equal((await store.head(key))?.size, 0);
    t.equal((await readAll(store, key)).length, 0);
  });

  t.test('put replaces a staging object and changes its etag', async (t) => {
    const store = await makeStore(t);
    const key = store.stagingKey(newUploadId());
    await store.put(key, Buffer.from('first version'));
    const before = await store.head(key);
    await store.put(key, Buffer.from('second, longer version'));
    const after = await store.head(key);
    t.not(after?.etag, before?.etag);
    t.equal((await readAll(store, key)).toString(), 'second, longer version');
  });

  t.test('missing objects: head is undefined, get throws ObjectNotFoundError', async (t) => {
    const store = await makeStore(t);
    const key = newBundle(store).key;
    t.equal(await store.head(key), undefined);
    await t.rejects(store.get(key), ObjectNotFoundError);
    await t.rejects(store.get(store.stagingKey(newUploadId())), { code: 'OBJECT_NOT_FOUND' });
  });

  t.test('SHA-256 computed while streaming equals the real one, for every body type', async (t) => {
    const store = await makeStore(t);
    const bytes = randomBytes(3 * MiB + 12_345);
    const expected = { size: bytes.length, sha256: sha256(bytes) };
    const fromReadable = store.stagingKey(newUploadId());
    t.same(await store.put(fromReadable, chunked(bytes)), expected, 'Node Readable');
    const fromIterable = store.stagingKey(newUploadId());
    const iterable = (async function* () {
      for (let i = 0; i < bytes.length; i += 100_000) yield bytes.subarray(i, i + 100_000);
    })();
    t.same(await store.put(fromIterable, iterable), expected, 'async iterable');
    t.ok((await readAll(store, fromReadable)).equals(bytes));
    t.ok((await readAll(store, fromIterable)).equals(bytes));
  });

  t.test('streamed writes larger than a part (multipart on S3) keep every byte', async (t) => {
    const store = await makeStore(t);
    const bytes = randomBytes(12 * MiB + 7);
    const staging = store.stagingKey(newUploadId());
    t.same(await store.put(staging, chunked(bytes, 256 * 1024), { maxBytes: 13 * MiB }), {
      size: bytes.length,
      sha256: sha256(bytes),
    });
    t.equal((await store.head(staging))?.size, bytes.length);
    const key = store.canonicalKey(sha256(bytes), 'bundle');
    t.same(await store.putIfAbsent(key, chunked(bytes, 256 * 1024)), {
      size: bytes.length,
      sha256: sha256(bytes),
      created: true,
    });
    t.ok((await readAll(store, key)).equals(bytes));
  });

  t.test('range GET serves inclusive byte ranges', async (t) => {
    const store = await makeStore(t);
    const key = store.stagingKey(newUploadId());
    const bytes = randomBytes(1000);
    await store.put(key, bytes);

    const middle = await store.get(key, { start: 10, end: 19 });
    t.same(middle.range, { start: 10, end: 19 });
    t.equal(middle.size, 10);
    t.equal(middle.totalSize, 1000);
    t.ok(Buffer.concat(await middle.body.toArray()).equals(bytes.subarray(10, 20)));

    const tail = await store.get(key, { start: 990 });
    t.same(tail.range, { start: 990, end: 999 });
    t.ok(Buffer.concat(await tail.body.toArray()).equals(bytes.subarray(990)));

    const clamped = await store.get(key, { start: 995, end: 5000 });
    t.same(clamped.range, { start: 995, end: 999 });
    t.equal(clamped.size, 5);
    t.ok(Buffer.concat(await clamped.body.toArray()).equals(bytes.subarray(995)));

    // (`bytes=0-0` is left out: s3rver serves the whole object for it, which the S3 store refuses.)
    const head = await store.get(key, { start: 0, end: 1 });
    t.same(head.range, { start: 0, end: 1 });
    t.ok(Buffer.concat(await head.body.toArray()).equals(bytes.subarray(0, 2)));

    await t.rejects(store.get(key, { start: 1000 }), RangeNotSatisfiableError);
    await t.rejects(store.get(key, { start: -1 }), RangeError);
    await t.rejects(store.get(key, { start: 5, end: 4 }), RangeError);
  });

  t.test('putIfAbsent writes once', async (t) => {
    const store = await makeStore(t);
    const { bytes, hash, key } = newBundle(store);
    t.same(await store.putIfAbsent(key, bytes), { size: bytes.length, sha256: hash, created: true });
    const stored = await store.head(key);

    t.test('identical content is reported as existing and left untouched', async (t) => {
      t.same(await store.putIfAbsent(key, Buffer.from(bytes)), {
        size: bytes.length,
        sha256: hash,
        created: false,
      });
      t.same(await store.putIfAbsent(key, chunked(bytes, 1000)), {
        size: bytes.length,
        sha256: hash,
        created: false,
      });
      t.same(await store.head(key), stored, 'same etag: not rewritten');
    });

    t.test('different content of another size never overwrites', async (t) => {
      await t.rejects(store.putIfAbsent(key, randomBytes(10)), ObjectExistsError);
      await t.rejects(store.putIfAbsent(key, chunked(randomBytes(9000), 1000)), { code: 'OBJECT_EXISTS' });
      t.same(await store.head(key), stored);
      t.ok((await readAll(store, key)).equals(bytes));
    });

    t.test('different content of the same size never overwrites (compared by hash)', async (t) => {
      const other = Buffer.from(bytes);
      other[100] = other[100]! ^ 0xff;
      await t.rejects(store.putIfAbsent(key, other), ObjectExistsError);
      await t.rejects(store.putIfAbsent(key, chunked(other)), ObjectExistsError);
      t.same(await store.head(key), stored);
      t.ok((await readAll(store, key)).equals(bytes));
    });
  });

  t.test('putIfAbsent writes small canonical documents (manifest, signature)', async (t) => {
    const store = await makeStore(t);
    const { hash } = newBundle(store);
    const manifestKey = store.canonicalKey(hash, 'manifest');
    const sigKey = store.canonicalKey(`sha256:${hash}`, 'signature');
    const manifest = Buffer.from(JSON.stringify({ name: 'demo', version: '1.0.0' }));
    const sig = Buffer.from(JSON.stringify({ v: 1, alg: 'ed25519', sig: 'AAAA' }));
    t.equal(
      (await store.putIfAbsent(manifestKey, manifest, { contentType: 'application/json' })).created,
      true,
    );
    t.equal((await store.putIfAbsent(sigKey, sig)).created, true);
    t.equal((await readAll(store, manifestKey)).toString(), manifest.toString());
    t.equal((await readAll(store, sigKey)).toString(), sig.toString());
  });

  t.test('put refuses canonical keys: canonical objects are write-once', async (t) => {
    const store = await makeStore(t);
    const { bytes, key } = newBundle(store);
    await t.rejects(store.put(key, bytes), InvalidKeyError);
    t.equal(await store.head(key), undefined);
  });

  t.test('copyIfAbsent copies staging to canonical, write-once', async (t) => {
    const store = await makeStore(t);
    const { bytes, hash, key } = newBundle(store, 300_000);
    const staging = store.stagingKey(newUploadId());
    await store.put(staging, bytes);

    t.same(await store.copyIfAbsent(staging, key), { created: true, size: bytes.length });
    t.ok((await readAll(store, key)).equals(bytes));
    const stored = await store.head(key);

    t.same(await store.copyIfAbsent(staging, key), { created: false, size: bytes.length }, 'retry: reused');
    t.same(await store.copyIfAbsent(staging, key, { sha256: `sha256:${hash}` }), {
      created: false,
      size: bytes.length,
    });
    t.same(await store.head(key), stored);

    const otherStaging = store.stagingKey(newUploadId());
    const other = Buffer.from(bytes);
    other[0] = other[0]! ^ 1;
    await store.put(otherStaging, other);
    await t.rejects(store.copyIfAbsent(otherStaging, key), ObjectExistsError, 'same size, other bytes');
    await store.put(otherStaging, randomBytes(10));
    await t.rejects(store.copyIfAbsent(otherStaging, key), ObjectExistsError, 'other size');
    t.same(await store.head(key), stored);
    t.ok((await readAll(store, key)).equals(bytes));

    await store.deleteStaging(staging);
    t.equal(await store.head(staging), undefined);
    t.ok((await readAll(store, key)).equals(bytes), 'the canonical copy outlives its staging object');
  });

  t.test('copyIfAbsent of a missing source throws ObjectNotFoundError', async (t) => {
    const store = await makeStore(t);
    const { key } = newBundle(store);
    await t.rejects(store.copyIfAbsent(store.stagingKey(newUploadId()), key), ObjectNotFoundError);
    t.equal(await store.head(key), undefined);
  });

  t.test('copyIfAbsent with ifMatch refuses a source replaced since it was read', async (t) => {
    const store = await makeStore(t);
    const { bytes, key } = newBundle(store);
    const staging = store.stagingKey(newUploadId());
    await store.put(staging, bytes);
    const verified = (await store.get(staging)).etag;
    await store.put(staging, randomBytes(bytes.length));
    await t.rejects(store.copyIfAbsent(staging, key, { ifMatch: verified }), ObjectChangedError);
    t.equal(await store.head(key), undefined, 'nothing published');

    await store.put(staging, bytes);
    const current = (await store.head(staging))!.etag;
    t.same(await store.copyIfAbsent(staging, key, { ifMatch: current }), {
      created: true,
      size: bytes.length,
    });
  });

  t.test('streaming cap: past maxBytes → TooLargeError and no object left', async (t) => {
    const store = await makeStore(t);

    t.test('small stream, staging put', async (t) => {
      const key = store.stagingKey(newUploadId());
      await t.rejects(
        store.put(key, chunked(randomBytes(100_000), 8192), { maxBytes: 50_000 }),
        TooLargeError,
      );
      t.equal(await store.head(key), undefined);
    });

    t.test('buffer over the cap', async (t) => {
      const key = store.stagingKey(newUploadId());
      await t.rejects(store.put(key, randomBytes(101), { maxBytes: 100 }), { code: 'TOO_LARGE', limit: 100 });
      t.equal(await store.head(key), undefined);
    });

    t.test('exactly at the cap is accepted', async (t) => {
      const key = store.stagingKey(newUploadId());
      const bytes = randomBytes(4096);
      t.same(await store.put(key, chunked(bytes, 1000), { maxBytes: 4096 }), {
        size: 4096,
        sha256: sha256(bytes),
      });
    });

    t.test('large stream past several parts (multipart on S3)', async (t) => {
      const key = store.stagingKey(newUploadId());
      await t.rejects(store.put(key, generated(13 * MiB), { maxBytes: 11 * MiB }), TooLargeError);
      t.equal(await store.head(key), undefined);
    });

    t.test('write-once put', async (t) => {
      const { key } = newBundle(store);
      await t.rejects(
        store.putIfAbsent(key, chunked(randomBytes(20_000), 4096), { maxBytes: 10_000 }),
        TooLargeError,
      );
      t.equal(await store.head(key), undefined);
    });

    t.test(
      "the caller's stream is unpiped, not destroyed (an HTTP server can still answer 413)",
      async (t) => {
        const key = store.stagingKey(newUploadId());
        const source = generated(2 * MiB, 64 * 1024);
        await t.rejects(store.put(key, source, { maxBytes: 100_000 }), TooLargeError);
        t.equal(source.destroyed, false);
        source.destroy();
      },
    );
  });

  t.test('a failing source fails the write and leaves no object', async (t) => {
    const store = await makeStore(t);
    const key = store.stagingKey(newUploadId());
    const source = Readable.from(
      (async function* () {
        yield randomBytes(10_000);
        throw new Error('client went away');
      })(),
    );
    await t.rejects(store.put(key, source), { message: 'client went away' });
    t.equal(await store.head(key), undefined);
  });

  t.test('deleteStaging removes staging objects and refuses canonical keys', async (t) => {
    const store = await makeStore(t);
    const staging = store.stagingKey(newUploadId());
    await store.put(staging, Buffer.from('staged'));
    await store.deleteStaging(staging);
    t.equal(await store.head(staging), undefined);
    await store.deleteStaging(staging);
    t.pass('deleting an absent staging object is fine');

    const { bytes, key } = newBundle(store);
    await store.putIfAbsent(key, bytes);
    await t.rejects(store.deleteStaging(key), InvalidKeyError);
    t.equal((await store.head(key))?.size, bytes.length, 'canonical object still there');
  });

  t.test('every operation refuses keys outside the layout', async (t) => {
    const store = await makeStore(t);
    const good = newBundle(store);
    const bad = [
      '../etc/passwd',
      '/etc/passwd',
      `${store.base}../${good.hash}/bundle.tar.zst`,
      `${store.base}${good.hash}/../../x/bundle.tar.zst`,
      `${store.base}${good.hash}/other.bin`,
      `${store.base}${good.hash.slice(1)}/bundle.tar.zst`,
      `${store.base}${good.hash.toUpperCase()}/bundle.tar.zst`,
      'staging/../sha256/bundle.tar.zst',
      'staging/a/../b/bundle.tar.zst',
      'staging/abc/other.bin',
      'staging/.hidden/bundle.tar.zst',
      '.tmp/whatever',
      '',
    ];
    for (const key of bad) {
      await t.rejects(store.head(key), InvalidKeyError, `head ${key}`);
      await t.rejects(store.get(key), InvalidKeyError, `get ${key}`);
      await t.rejects(store.putIfAbsent(key, Buffer.from('x')), InvalidKeyError, `putIfAbsent ${key}`);
      await t.rejects(store.put(key, Buffer.from('x')), InvalidKeyError, `put ${key}`);
      await t.rejects(store.deleteStaging(key), InvalidKeyError, `deleteStaging ${key}`);
      await t.rejects(store.copyIfAbsent(key, good.key), InvalidKeyError, `copy from ${key}`);
    }
    t.throws(() => store.canonicalKey('sha256:../../etc', 'bundle'), InvalidKeyError);
    t.throws(() => store.stagingKey('../x'), InvalidKeyError);
  });

  t.test('canonical keys follow the store base', async (t) => {
    const store = await makeStore(t);
    const hash = 'ab'.repeat(32);
    t.equal(store.canonicalKey(`sha256:${hash}`, 'bundle'), `${store.base}${hash}/bundle.tar.zst`);
    t.equal(store.canonicalKey(hash, 'manifest'), `${store.base}${hash}/manifest.json`);
    t.equal(store.canonicalKey(hash, 'signature'), `${store.base}${hash}/bundle.sig`);
    t.equal(store.stagingKey('u-1'), 'staging/u-1/bundle.tar.zst');
  });

  t.test('presignPut is undefined or a URL that a plain fetch can PUT to', async (t) => {
    const store = await makeStore(t);
    const key = store.stagingKey(newUploadId());
    const bytes = randomBytes(2048);
    const presigned = await store.presignPut(key, { expiresInSeconds: 300, contentLength: bytes.length });
    if (store.kind === 'filesystem') {
      t.equal(presigned, undefined, 'the registry serves its own upload route');
      t.equal(store.multipart, undefined, 'single streamed PUT through the registry');
      t.equal(await store.presignGet(key, { expiresInSeconds: 60 }), undefined);
      return;
    }
    t.ok(presigned);
    const res = await fetch(presigned!.url, { method: 'PUT', headers: presigned!.headers, body: bytes });
    t.equal(res.status, 200, await res.text());
    t.ok((await readAll(store, key)).equals(bytes));
  });

  t.test('ping resolves for a usable store', async (t) => {
    const store = await makeStore(t);
    await store.ping();
    t.pass();
  });
}
