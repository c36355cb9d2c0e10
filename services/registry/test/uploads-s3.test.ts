import { randomBytes } from 'node:crypto';
import t from 'tap';
import { startS3rver, testDatabaseKind } from '@annex/test-support';
import { makeBundle, sha256 } from './bundles.js';
import { registryHarness } from './harness.js';

const MiB = 1024 * 1024;

t.test(`uploads on S3 (s3rver): presigned PUT, multipart, abort (${testDatabaseKind()})`, async (t) => {
  const s3 = await startS3rver();
  t.teardown(() => s3.close());
  const h = await registryHarness(t, { ...s3.env(), EXT_MULTIPART_THRESHOLD_BYTES: String(5 * MiB) });
  const acme = await h.key('publisher', { publishers: ['acme'] });

  t.test('a presigned PUT straight to the store, then finalize', async (t) => {
    const bytes = await makeBundle({ version: '1.0.0' });
    const init = await h.call('POST', '/v1/uploads', acme, { size: bytes.length, sha256: sha256(bytes) });
    t.equal(init.statusCode, 201);
    const { uploadId, url, headers } = init.json();
    t.match(url, new RegExp(`^${s3.endpoint}/bundles/staging/${uploadId}/bundle\\.tar\\.zst\\?`));
    const put = await fetch(url, { method: 'PUT', headers, body: bytes });
    t.equal(put.status, 200);
    const fin = await h.call('POST', `/v1/uploads/${uploadId}/finalize`, acme, {});
    t.equal(fin.statusCode, 201, fin.body);
    t.equal(fin.json().contentHash, sha256(bytes));

    const download = await h.call('GET', '/v1/extensions/acme.hello/versions/1.0.0/bundle', acme);
    t.equal(download.statusCode, 302, 'a redirect to a presigned GET');
    const fetched = await fetch(download.headers.location as string);
    t.same(Buffer.from(await fetched.arrayBuffer()), bytes);
  });

  t.test('above the threshold: multipart parts, complete, finalize', async (t) => {
    const bytes = await makeBundle({ version: '2.0.0' }, [
      { name: 'assets/blob.bin', data: randomBytes(6 * MiB) },
    ]);
    t.ok(bytes.length > 5 * MiB);
    const init = await h.call('POST', '/v1/uploads', acme, { size: bytes.length, sha256: sha256(bytes) });
    t.equal(init.statusCode, 201, init.body);
    const { uploadId, multipart } = init.json();
    t.ok(multipart.partSize >= 5 * MiB);
    t.equal(multipart.parts.length, Math.ceil(bytes.length / multipart.partSize));
    const etags = [];
    for (const part of multipart.parts) {
      const start = (part.partNumber - 1) * multipart.partSize;
      const res = await fetch(part.url, {
        method: 'PUT',
        body: bytes.subarray(start, start + multipart.partSize),
      });
      t.equal(res.status, 200);
      etags.push({ partNumber: part.partNumber, etag: res.headers.get('etag') });
    }
    const early = await h.call('POST', `/v1/uploads/${uploadId}/finalize`, acme, {});
    t.equal(early.statusCode, 400, 'nothing to finalize before complete');
    t.equal(early.json().error.code, 'UPLOAD_INCOMPLETE');
    const complete = await h.call('POST', `/v1/uploads/${uploadId}/complete`, acme, {
      parts: etags.reverse(),
    });
    t.equal(complete.statusCode, 200, complete.body);
    t.same(complete.json(), { uploadId, size: bytes.length });
    const fin = await h.call('POST', `/v1/uploads/${uploadId}/finalize`, acme, {});
    t.equal(fin.statusCode, 201, fin.body);
    t.equal(fin.json().contentHash, sha256(bytes));

    const single = await h.call('POST', `/v1/uploads/${uploadId}/complete`, acme, {
      parts: [{ partNumber: 1, etag: 'x' }],
    });
    t.equal(single.statusCode, 409, 'a finalized upload is closed');
  });

  t.test('complete on a single-PUT upload is refused; bad parts are refused', async (t) => {
    const init = (await h.call('POST', '/v1/uploads', acme, { size: 100 })).json();
    const res = await h.call('POST', `/v1/uploads/${init.uploadId}/complete`, acme, {
      parts: [{ partNumber: 1, etag: '"x"' }],
    });
    t.equal(res.statusCode, 400);
    t.equal(res.json().error.code, 'NOT_MULTIPART');
    const dup = await h.call('POST', `/v1/uploads/${init.uploadId}/complete`, acme, {
      parts: [
        { partNumber: 1, etag: 'a' },
        { partNumber: 1, etag: 'b' },
      ],
    });
    t.equal(dup.statusCode, 400);
  });

  t.test('abort removes the staging object; the published bundle stays', async (t) => {
    const bytes = await makeBundle({ version: '3.0.0' });
    const init = (await h.call('POST', '/v1/uploads', acme, { size: bytes.length })).json();
    await fetch(init.url, { method: 'PUT', headers: init.headers, body: bytes });
    t.equal((await h.call('DELETE', `/v1/uploads/${init.uploadId}`, acme)).statusCode, 204);
    const { createBundleStore } = await import('@annex/store');
    const store = createBundleStore(h.config.store);
    t.teardown(() => store.close());
    t.equal(await store.head(store.stagingKey(init.uploadId)), undefined);
    const published = (await h.call('GET', '/v1/extensions/acme.hello/versions/1.0.0', acme)).json();
    t.ok(
      await store.head(store.canonicalKey(published.contentHash, 'bundle')),
      'canonical objects are never removed',
    );
  });
});
