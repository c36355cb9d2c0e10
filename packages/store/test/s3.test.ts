import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import t, { type Test } from 'tap';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  createBundleStore,
  createS3BundleStore,
  createS3Client,
  createStoreProbe,
  InvalidKeyError,
  MultipartUploadError,
  ObjectChangedError,
  ObjectExistsError,
  planParts,
  StoreUnavailableError,
  type BundleStore,
} from '@annex/store';
import { chunked, generated, MiB, newBundle, newUploadId, readAll, runContract, sha256 } from './contract.js';
import { startS3rver, type S3Settings } from '@annex/test-support';

const s3 = await startS3rver();
t.teardown(() => s3.close());

function storeOn(t: Test, settings: S3Settings = s3.settings()): BundleStore {
  const store = createBundleStore(settings);
  t.teardown(() => store.close());
  return store;
}

t.test('contract: S3 store on s3rver', async (t) => {
  runContract(t, async (t) => storeOn(t));
});

t.test('contract: S3 store on s3rver with another base', async (t) => {
  runContract(t, async (t) => storeOn(t, s3.settings({ base: 'bundles/v1/' })));
});

t.test('presigned PUT bound to a size and SHA-256 works with plain fetch', async (t) => {
  const store = storeOn(t);
  const key = store.stagingKey(newUploadId());
  const bytes = randomBytes(70_000);
  const presigned = await store.presignPut(key, {
    expiresInSeconds: 600,
    contentLength: bytes.length,
    sha256: `sha256:${sha256(bytes)}`,
    contentType: 'application/zstd',
  });
  t.ok(presigned);
  const url = new URL(presigned!.url);
  t.match(url.searchParams.get('X-Amz-SignedHeaders'), /content-length/, 'the size is signed');
  t.match(url.searchParams.get('X-Amz-SignedHeaders'), /x-amz-checksum-sha256/, 'the hash is signed');
  t.equal(url.searchParams.get('X-Amz-Expires'), '600');
  t.notOk(
    [...url.searchParams.keys()].some((k) => /crc32|sdk-checksum/i.test(k)),
    'no default SDK checksum',
  );
  t.same(presigned!.headers, {
    'x-amz-checksum-sha256': Buffer.from(sha256(bytes), 'hex').toString('base64'),
    'content-type': 'application/zstd',
  });
  t.ok(presigned!.expiresAt.getTime() > Date.now() + 590_000);

  const res = await fetch(presigned!.url, { method: 'PUT', headers: presigned!.headers, body: bytes });
  t.equal(res.status, 200, await res.text());
  t.ok((await readAll(store, key)).equals(bytes));
});

t.test('presigned URLs: PUT only for staging keys, GET for any key', async (t) => {
  const store = storeOn(t);
  const { bytes, key } = newBundle(store);
  await t.rejects(store.presignPut(key, { expiresInSeconds: 60 }), InvalidKeyError);
  await t.rejects(store.presignPut(store.stagingKey('u1'), { expiresInSeconds: 0 }), RangeError);
  await t.rejects(store.presignPut(store.stagingKey('u1'), { expiresInSeconds: 8 * 24 * 3600 }), RangeError);
  await store.putIfAbsent(key, bytes);
  const url = await store.presignGet(key, { expiresInSeconds: 60, filename: 'acme.demo-1.0.0.tar.zst' });
  t.ok(url);
  t.match(
    new URL(url!).searchParams.get('response-content-disposition'),
    'filename="acme.demo-1.0.0.tar.zst"',
  );
  const res = await fetch(url!);
  t.equal(res.status, 200);
  t.ok(Buffer.from(await res.arrayBuffer()).equals(bytes));
});

t.test('multipart upload through presigned part URLs, completed out of order', async (t) => {
  const store = storeOn(t);
  const multipart = store.multipart!;
  t.ok(multipart);
  const key = store.stagingKey(newUploadId());
  const bytes = randomBytes(11 * MiB + 123);
  const { partSize, partCount } = planParts(bytes.length);
  t.same({ partSize, partCount }, { partSize: 5 * MiB, partCount: 3 });

  const id = await multipart.create(key, { contentType: 'application/zstd' });
  const parts = [];
  for (let n = 1; n <= partCount; n++) {
    const body = bytes.subarray((n - 1) * partSize, n * partSize);
    const part = await multipart.presignPart(key, id, n, {
      expiresInSeconds: 300,
      contentLength: body.length,
    });
    t.match(new URL(part.url).searchParams.get('X-Amz-SignedHeaders'), /content-length/);
    const res = await fetch(part.url, { method: 'PUT', headers: part.headers, body });
    t.equal(res.status, 200, `part ${n}`);
    parts.push({ partNumber: n, etag: res.headers.get('etag')! });
  }
  const info = await multipart.complete(key, id, parts.reverse());
  t.equal(info.size, bytes.length);
  const got = await store.get(key);
  t.equal(got.size, bytes.length);
  t.ok((await readAll(store, key)).equals(bytes));

  // Nothing to abort any more; s3rver answers 405 to every abort anyway.
  t.equal(await multipart.abort(key, id), 'unsupported', 's3rver cannot abort (405)');
});

t.test('multipart: bad completions and keys are refused', async (t) => {
  const store = storeOn(t);
  const multipart = store.multipart!;
  const key = store.stagingKey(newUploadId());
  await t.rejects(
    multipart.create(newBundle(store).key),
    InvalidKeyError,
    'never straight to a canonical key',
  );
  const id = await multipart.create(key);
  await t.rejects(multipart.complete(key, id, []), MultipartUploadError);
  await t.rejects(
    multipart.complete(key, id, [
      { partNumber: 1, etag: '"a"' },
      { partNumber: 1, etag: '"b"' },
    ]),
    MultipartUploadError,
  );
  await t.rejects(multipart.complete(key, id, [{ partNumber: 0, etag: '"a"' }]), MultipartUploadError);
  await t.rejects(multipart.presignPart(key, id, 10_001, { expiresInSeconds: 60 }), MultipartUploadError);
  t.equal(await store.head(key), undefined);
});

t.test('stub-based: a completion the store refuses (InvalidPart) → MultipartUploadError', async (t) => {
  // s3rver crashes on a part it never received, so the refusal is stubbed.
  const { store } = stubbedStore(t, (command) =>
    command instanceof CompleteMultipartUploadCommand
      ? Promise.reject(s3Error('InvalidPart', 400))
      : undefined,
  );
  const key = store.stagingKey(newUploadId());
  const id = await store.multipart!.create(key);
  await t.rejects(store.multipart!.complete(key, id, [{ partNumber: 1, etag: '"0"' }]), {
    code: 'MULTIPART_INVALID',
    message: 'the store refused the multipart completion (InvalidPart)',
  });
});

t.test('planParts raises the part size to stay within 10,000 parts', async (t) => {
  t.same(planParts(1), { partSize: 5 * MiB, partCount: 1 });
  t.same(planParts(200 * MiB, 16 * MiB), { partSize: 16 * MiB, partCount: 13 });
  const huge = 100_000 * MiB;
  t.ok(planParts(huge).partCount <= 10_000);
  t.throws(() => planParts(0), RangeError);
});

t.test('ping, wrong credentials and an unreachable store', async (t) => {
  await storeOn(t).ping();

  const secret = 'wrong-secret-0123456789';
  const denied = storeOn(t, s3.settings({ accessKeyId: 'NOT-S3RVER', secretAccessKey: secret }));
  const deniedErr = await denied.ping().catch((e: unknown) => e);
  t.type(deniedErr, StoreUnavailableError);
  t.match(deniedErr, { detail: 'HTTP 403' });
  t.notMatch((deniedErr as Error).message, secret);

  const missing = storeOn(t, s3.settings({ bucket: 'no-such-bucket' }));
  await t.rejects(missing.ping(), StoreUnavailableError);
  await t.rejects(missing.put(missing.stagingKey('u1'), Buffer.from('x')), StoreUnavailableError);

  const port = await closedPort();
  const down = storeOn(t, s3.settings({ endpoint: `http://127.0.0.1:${port}` }));
  await t.rejects(down.ping(), StoreUnavailableError);
  const headErr = await down.head(down.stagingKey('u1')).catch((e: unknown) => e);
  t.type(headErr, StoreUnavailableError);
  t.match(headErr, { code: 'STORE_UNAVAILABLE' });
  t.notMatch((headErr as Error).message, 'S3RVER');
});

t.test('the readiness probe still answers on the same settings', async (t) => {
  const probe = createStoreProbe(s3.settings());
  t.teardown(() => probe.close());
  await probe.check();
  t.pass();
});

// ---------------------------------------------------------------------------------------------------
// Stub-based: s3rver ignores `If-None-Match: *` and cannot abort multipart uploads, so these tests wrap
// the client's `send` to answer as AWS S3 / MinIO do (412, 409, 204, 404) and check the store's
// handling of those answers. The rest of each request goes to s3rver.
// ---------------------------------------------------------------------------------------------------

type Send = (command: unknown) => Promise<unknown>;
type Stub = (command: unknown, real: Send) => Promise<unknown> | undefined;

function stubbedStore(t: Test, stub: Stub): { store: BundleStore; real: Send } {
  const client: S3Client = createS3Client(s3.settings(), {
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  t.teardown(() => client.destroy());
  const real = client.send.bind(client) as unknown as Send;
  (client as unknown as { send: Send }).send = (command) => stub(command, real) ?? real(command);
  return { store: createS3BundleStore(s3.settings(), { client }), real };
}

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status },
    message: name,
  });
}

const conditional = (command: unknown) =>
  (command as { input: { IfNoneMatch?: string } }).input.IfNoneMatch === '*';

/** Lets another writer put `winner` at the key, then answers the conditional write with 412. */
function loseRaceTo(key: string, winner: Uint8Array, kind: 'put' | 'complete' | 'copy'): Stub {
  const types = { put: PutObjectCommand, complete: CompleteMultipartUploadCommand, copy: CopyObjectCommand };
  return (command, real) => {
    if (!(command instanceof types[kind]) || !conditional(command)) return undefined;
    return (async () => {
      await real(new PutObjectCommand({ Bucket: 'bundles', Key: key, Body: winner }));
      throw s3Error('PreconditionFailed', 412);
    })();
  };
}

t.test('stub-based: the conditional PUT carries If-None-Match: * for write-once keys only', async (t) => {
  const seen: Array<string | undefined> = [];
  const { store } = stubbedStore(t, (command) => {
    if (command instanceof PutObjectCommand) seen.push(command.input.IfNoneMatch);
    return undefined;
  });
  await store.put(store.stagingKey(newUploadId()), Buffer.from('staged'));
  const { bytes, key } = newBundle(store);
  await store.putIfAbsent(key, bytes);
  t.same(seen, [undefined, '*']);
});

t.test('stub-based 412: a buffer write that loses the race to identical content is reused', async (t) => {
  const bytes = randomBytes(5000);
  const key = `sha256/${sha256(bytes)}/bundle.tar.zst`;
  const { store } = stubbedStore(t, loseRaceTo(key, bytes, 'put'));
  t.same(await store.putIfAbsent(key, bytes), { size: bytes.length, sha256: sha256(bytes), created: false });
});

t.test('stub-based 412: losing the race to different content → ObjectExistsError, winner kept', async (t) => {
  const ours = randomBytes(5000);
  const winner = randomBytes(5000);
  const key = `sha256/${sha256(ours)}/manifest.json`;
  const { store } = stubbedStore(t, loseRaceTo(key, winner, 'put'));
  await t.rejects(store.putIfAbsent(key, ours), ObjectExistsError);
  t.ok((await readAll(store, key)).equals(winner));
});

t.test('stub-based 412: a streamed single-PUT write (lib-storage) that loses the race', async (t) => {
  const bytes = randomBytes(300_000);
  const key = `sha256/${sha256(bytes)}/bundle.tar.zst`;
  const { store } = stubbedStore(t, loseRaceTo(key, bytes, 'put'));
  t.same(await store.putIfAbsent(key, chunked(bytes)), {
    size: bytes.length,
    sha256: sha256(bytes),
    created: false,
  });
});

t.test('stub-based 412: a streamed multipart write whose completion loses the race', async (t) => {
  const winner = randomBytes(11 * MiB);
  const key = `sha256/${sha256(winner)}/bundle.tar.zst`;
  const { store } = stubbedStore(t, loseRaceTo(key, winner, 'complete'));
  await t.rejects(store.putIfAbsent(key, generated(11 * MiB)), ObjectExistsError, 'different bytes');
  t.ok((await readAll(store, key)).equals(winner));

  const key2 = `sha256/${'c'.repeat(64)}/bundle.tar.zst`;
  const same = stubbedStore(t, loseRaceTo(key2, winner, 'complete')).store;
  t.same(await same.putIfAbsent(key2, chunked(winner, MiB)), {
    size: winner.length,
    sha256: sha256(winner),
    created: false,
  });
});

t.test('stub-based 412: a copy whose destination was taken meanwhile', async (t) => {
  const bytes = randomBytes(20_000);
  const key = `sha256/${sha256(bytes)}/bundle.tar.zst`;
  const { store } = stubbedStore(t, loseRaceTo(key, bytes, 'copy'));
  const staging = store.stagingKey(newUploadId());
  await store.put(staging, bytes);
  t.same(await store.copyIfAbsent(staging, key), { created: false, size: bytes.length });

  const other = randomBytes(20_000);
  const key2 = `sha256/${sha256(other)}/bundle.tar.zst`;
  const lost = stubbedStore(t, loseRaceTo(key2, other, 'copy')).store;
  await t.rejects(lost.copyIfAbsent(staging, key2), ObjectExistsError);
  t.ok((await readAll(lost, key2)).equals(other));
});

t.test('stub-based 412: a copy whose source changed (CopySourceIfMatch) publishes nothing', async (t) => {
  let copySourceIfMatch: string | undefined;
  const { store } = stubbedStore(t, (command) => {
    if (!(command instanceof CopyObjectCommand)) return undefined;
    copySourceIfMatch = command.input.CopySourceIfMatch;
    return Promise.reject(s3Error('PreconditionFailed', 412));
  });
  const bytes = randomBytes(1000);
  const staging = store.stagingKey(newUploadId());
  await store.put(staging, bytes);
  const key = store.canonicalKey(sha256(bytes), 'bundle');
  await t.rejects(store.copyIfAbsent(staging, key), ObjectChangedError);
  t.equal(copySourceIfMatch, (await store.head(staging))!.etag, 'the copy is conditional on the source ETag');
  t.equal(await store.head(key), undefined);
});

t.test('stub-based 409: a concurrent conditional write with nothing visible yet → retryable', async (t) => {
  const { store } = stubbedStore(t, (command) =>
    command instanceof PutObjectCommand && conditional(command)
      ? Promise.reject(s3Error('ConditionalRequestConflict', 409))
      : undefined,
  );
  const { bytes, key } = newBundle(store);
  await t.rejects(store.putIfAbsent(key, bytes), { code: 'STORE_UNAVAILABLE', detail: 'retry' });
});

t.test('stub-based abort: 204 → aborted, NoSuchUpload → not-found, 405 → unsupported', async (t) => {
  for (const [answer, expected] of [
    [() => Promise.resolve({ $metadata: { httpStatusCode: 204 } }), 'aborted'],
    [() => Promise.reject(s3Error('NoSuchUpload', 404)), 'not-found'],
    [() => Promise.reject(s3Error('MethodNotAllowed', 405)), 'unsupported'],
  ] as const) {
    const { store } = stubbedStore(t, (command) =>
      command instanceof AbortMultipartUploadCommand ? answer() : undefined,
    );
    const key = store.stagingKey(newUploadId());
    const id = await store.multipart!.create(key);
    t.equal(await store.multipart!.abort(key, id), expected);
  }
  const { store } = stubbedStore(t, (command) =>
    command instanceof AbortMultipartUploadCommand
      ? Promise.reject(s3Error('InternalError', 500))
      : undefined,
  );
  await t.rejects(store.multipart!.abort(store.stagingKey('u1'), 'x'), StoreUnavailableError);
});

t.test('stub-based 5xx: server errors become StoreUnavailableError with a safe message', async (t) => {
  const { store } = stubbedStore(t, (command) =>
    command instanceof GetObjectCommand ? Promise.reject(s3Error('SlowDown', 503)) : undefined,
  );
  const err = await store.get(store.stagingKey('u1')).catch((e: unknown) => e);
  t.type(err, StoreUnavailableError);
  t.equal((err as Error).message, 'bundle store unavailable: reading an object (HTTP 503 SlowDown)');
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
