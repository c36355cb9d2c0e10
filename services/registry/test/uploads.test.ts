import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import t from 'tap';
import { generateSigningKeyPair, signBundle } from '@annex/bundle';
import { testDatabaseKind } from '@annex/test-support';
import { ADMIN, registryHarness, type Harness } from './harness.js';
import { makeBundle, manifestEntry, rawBundle, sha256 } from './bundles.js';

/** initiate → PUT through the registry URL → finalize, as a client would. */
async function publish(
  h: Harness,
  key: string,
  bytes: Buffer,
  finalizeBody: Record<string, unknown> = {},
  declare = true,
) {
  const init = await h.call('POST', '/v1/uploads', key, {
    size: bytes.length,
    ...(declare ? { sha256: sha256(bytes) } : {}),
  });
  if (init.statusCode !== 201) return { init, put: undefined, finalize: init };
  const { uploadId, url } = init.json();
  const put = await h.app.inject({
    method: 'PUT',
    url: new URL(url).pathname + new URL(url).search,
    payload: bytes,
    headers: { 'content-type': 'application/zstd' },
  });
  const finalize = await h.call('POST', `/v1/uploads/${uploadId}/finalize`, key, finalizeBody);
  return { init, put, finalize, uploadId };
}

t.test(`uploads and finalize on the filesystem store (${testDatabaseKind()})`, async (t) => {
  const h = await registryHarness(t, { EXT_MAX_BUNDLE_BYTES: String(1024 * 1024) });
  const acme = await h.key('publisher', { publishers: ['acme'] });

  t.test('publish: initiate, upload through the registry URL, finalize', async (t) => {
    const bytes = await makeBundle({ version: '1.0.0' });
    const init = await h.call('POST', '/v1/uploads', acme, {
      size: bytes.length,
      sha256: sha256(bytes),
      filename: 'bundle.tar.zst',
    });
    t.equal(init.statusCode, 201);
    const { uploadId, method, url, expiresAt } = init.json();
    t.equal(method, 'PUT');
    t.match(url, new RegExp(`^http://localhost(:80)?/v1/uploads/${uploadId}/content\\?token=`));
    t.ok(Date.parse(expiresAt) > Date.now());

    const path = new URL(url).pathname + new URL(url).search;
    const put = await h.app.inject({ method: 'PUT', url: path, payload: bytes });
    t.equal(put.statusCode, 200, put.body);
    t.same(put.json(), { uploadId, size: bytes.length, sha256: sha256(bytes) });

    const fin = await h.call('POST', `/v1/uploads/${uploadId}/finalize`, acme, {});
    t.equal(fin.statusCode, 201, fin.body);
    const result = fin.json();
    t.match(result, {
      extension: { slug: 'acme.hello' },
      version: '1.0.0',
      contentHash: sha256(bytes),
      signature: { status: 'unsigned', keyId: null, signer: null },
    });

    const hex = sha256(bytes).slice(7);
    const base = join(h.config.dataDir, 'bundles', 'sha256', hex);
    t.same(readFileSync(join(base, 'bundle.tar.zst')), bytes, 'canonical bundle written');
    t.equal(JSON.parse(readFileSync(join(base, 'manifest.json'), 'utf8')).version, '1.0.0');

    const again = await h.call('POST', `/v1/uploads/${uploadId}/finalize`, acme, {});
    t.equal(again.statusCode, 201, 'retrying a finalize answers the same result');
    t.same(again.json(), result);

    const versions = (await h.call('GET', '/v1/extensions/acme.hello/versions', acme)).json();
    t.same(
      versions.items.map((v: { version: string }) => v.version),
      ['1.0.0'],
    );
    t.equal((await h.call('GET', '/v1/extensions/acme.hello', acme)).json().latestVersion, '1.0.0');

    const download = await h.call('GET', '/v1/extensions/acme.hello/versions/1.0.0/bundle', acme);
    t.equal(download.statusCode, 200);
    t.same(download.rawPayload, bytes);
    t.equal(download.headers.etag, `"${sha256(bytes)}"`);

    t.equal(
      (await h.app.inject({ method: 'PUT', url: path, payload: bytes })).statusCode,
      409,
      'a finalized upload takes no more bytes',
    );
  });

  t.test('the same version twice: 409 VERSION_EXISTS', async (t) => {
    const bytes = await makeBundle({ version: '1.0.0', description: 'different bytes' });
    const { finalize } = await publish(h, acme, bytes);
    t.equal(finalize.statusCode, 409);
    t.equal(finalize.json().error.code, 'VERSION_EXISTS');
  });

  t.test('two concurrent finalizes of the same version: exactly one wins', async (t) => {
    const a = await makeBundle({ version: '2.0.0', description: 'a' });
    const b = await makeBundle({ version: '2.0.0', description: 'b' });
    const prepare = async (bytes: Buffer) => {
      const init = (await h.call('POST', '/v1/uploads', acme, { size: bytes.length })).json();
      await h.app.inject({
        method: 'PUT',
        url: new URL(init.url).pathname + new URL(init.url).search,
        payload: bytes,
      });
      return init.uploadId as string;
    };
    const [ua, ub] = [await prepare(a), await prepare(b)];
    const results = await Promise.all(
      [ua, ub].map((id) => h.call('POST', `/v1/uploads/${id}/finalize`, acme, {})),
    );
    t.same(results.map((r) => r.statusCode).sort(), [201, 409]);
    t.equal(results.find((r) => r.statusCode === 409)!.json().error.code, 'VERSION_EXISTS');
    const versions = (await h.call('GET', '/v1/extensions/acme.hello/versions', acme)).json().items;
    t.equal(versions.filter((v: { version: string }) => v.version === '2.0.0').length, 1);
  });

  t.test('oversize: at initiate, and while streaming', async (t) => {
    const big = await h.call('POST', '/v1/uploads', acme, { size: 2 * 1024 * 1024 });
    t.equal(big.statusCode, 413);
    t.equal(big.json().error.code, 'BUNDLE_TOO_LARGE');

    const init = (await h.call('POST', '/v1/uploads', acme, { size: 1000 })).json();
    const url = new URL(init.url);
    // More bytes than declared, sent chunked (no content-length): stopped while streaming.
    const stream = Readable.from(
      (function* () {
        for (let i = 0; i < 64; i++) yield Buffer.alloc(1024, i);
      })(),
    );
    const res = await h.app.inject({ method: 'PUT', url: url.pathname + url.search, payload: stream });
    t.equal(res.statusCode, 413);
    t.equal(res.json().error.code, 'BUNDLE_TOO_LARGE');
    const fin = await h.call('POST', `/v1/uploads/${init.uploadId}/finalize`, acme, {});
    t.equal(fin.statusCode, 400);
    t.equal(fin.json().error.code, 'UPLOAD_INCOMPLETE', 'nothing partial was kept');
  });

  t.test('a staged object over the cap or of another size is refused at finalize', async (t) => {
    const { createBundleStore } = await import('@annex/store');
    const store = createBundleStore(h.config.store);
    const big = (await h.call('POST', '/v1/uploads', acme, { size: 100 })).json();
    await store.put(store.stagingKey(big.uploadId), Buffer.alloc(2 * 1024 * 1024));
    const tooLarge = await h.call('POST', `/v1/uploads/${big.uploadId}/finalize`, acme, {});
    t.equal(tooLarge.statusCode, 413);
    t.equal(tooLarge.json().error.code, 'BUNDLE_TOO_LARGE');
    const other = (await h.call('POST', '/v1/uploads', acme, { size: 100 })).json();
    await store.put(store.stagingKey(other.uploadId), Buffer.alloc(50));
    const mismatch = await h.call('POST', `/v1/uploads/${other.uploadId}/finalize`, acme, {});
    t.equal(mismatch.statusCode, 400);
    t.equal(mismatch.json().error.code, 'SIZE_MISMATCH');
  });

  t.test('hash mismatch: the staged bytes do not hash to the declared sha256', async (t) => {
    const bytes = await makeBundle({ version: '3.0.0' });
    const init = (
      await h.call('POST', '/v1/uploads', acme, { size: bytes.length, sha256: sha256(Buffer.from('other')) })
    ).json();
    // Bytes that bypassed the registry (a presigned PUT straight to the store).
    const { createBundleStore } = await import('@annex/store');
    const store = createBundleStore(h.config.store);
    await store.put(store.stagingKey(init.uploadId), bytes);
    const fin = await h.call('POST', `/v1/uploads/${init.uploadId}/finalize`, acme, {});
    t.equal(fin.statusCode, 400);
    t.equal(fin.json().error.code, 'HASH_MISMATCH');
    t.same(fin.json().error.details, { expected: sha256(Buffer.from('other')), actual: sha256(bytes) });

    // Through the registry route the mismatch is caught at once.
    const put = await h.app.inject({
      method: 'PUT',
      url: new URL(init.url).pathname + new URL(init.url).search,
      payload: bytes,
    });
    t.equal(put.statusCode, 400);
    t.equal(put.json().error.code, 'HASH_MISMATCH');
  });

  t.test('hostile archives and invalid manifests are refused with the entry or path named', async (t) => {
    const slip = await publish(
      h,
      acme,
      await rawBundle([manifestEntry({ version: '4.0.0' }), { name: '../evil.sh', data: 'x' }]),
    );
    t.equal(slip.finalize.statusCode, 400);
    t.equal(slip.finalize.json().error.code, 'INVALID_BUNDLE');
    t.equal(slip.finalize.json().error.details.entry, '../evil.sh');

    const link = await publish(
      h,
      acme,
      await rawBundle([
        manifestEntry({ version: '4.0.1' }),
        { name: 'ui/x', type: '2', linkname: '/etc/passwd' },
      ]),
    );
    t.equal(link.finalize.json().error.code, 'INVALID_BUNDLE');
    t.equal(link.finalize.json().error.details.entry, 'ui/x');

    const notZstd = await publish(h, acme, Buffer.from('this is not a bundle at all'));
    t.equal(notZstd.finalize.statusCode, 400);
    t.equal(notZstd.finalize.json().error.code, 'INVALID_BUNDLE');

    const bad = await publish(h, acme, await makeBundle({ version: 'one', surprise: true }));
    t.equal(bad.finalize.statusCode, 400);
    t.equal(bad.finalize.json().error.code, 'INVALID_MANIFEST');
    const paths = bad.finalize.json().error.details.issues.map((i: { path: string }) => i.path);
    t.ok(paths.includes('version'), 'names version');
    t.ok(paths.includes('surprise'), 'names the unknown field');

    const missingEntry = await publish(
      h,
      acme,
      await rawBundle([
        manifestEntry({ version: '4.0.2', api: { endpoints: [{ method: 'GET', path: '/x' }] } }),
      ]),
    );
    t.equal(missingEntry.finalize.json().error.code, 'INVALID_MANIFEST');
    t.equal(missingEntry.finalize.json().error.details.issues[0].path, 'entry');
  });

  t.test('publisher scope: another publisher is 404, tenant and gateway keys 403', async (t) => {
    const other = await h.key('publisher', { publishers: ['other'] });
    const res = await publish(h, other, await makeBundle({ version: '5.0.0' }));
    t.equal(res.finalize.statusCode, 404);
    t.equal(res.finalize.json().error.code, 'EXTENSION_NOT_FOUND');
    for (const role of ['tenant', 'gateway'] as const) {
      const key = await h.key(role, role === 'tenant' ? { tenantId: 't1' } : {});
      const init = await h.call('POST', '/v1/uploads', key, { size: 10 });
      t.equal(init.statusCode, 403, role);
      t.equal(init.json().error.code, 'FORBIDDEN');
    }
  });

  t.test('an upload belongs to the key that started it', async (t) => {
    const bytes = await makeBundle({ version: '6.0.0' });
    const init = (await h.call('POST', '/v1/uploads', acme, { size: bytes.length })).json();
    const acme2 = await h.key('publisher', { publishers: ['acme'] });
    t.equal((await h.call('POST', `/v1/uploads/${init.uploadId}/finalize`, acme2, {})).statusCode, 404);
    t.equal((await h.call('DELETE', `/v1/uploads/${init.uploadId}`, acme2)).statusCode, 404);
    const url = new URL(init.url);
    t.equal(
      (await h.app.inject({ method: 'PUT', url: url.pathname + '?token=v1.1.2.forged', payload: bytes }))
        .statusCode,
      401,
    );
    t.equal((await h.app.inject({ method: 'PUT', url: url.pathname, payload: bytes })).statusCode, 401);
    const withKey = await h.app.inject({
      method: 'PUT',
      url: url.pathname,
      payload: bytes,
      headers: { authorization: `Bearer ${acme}` },
    });
    t.equal(withKey.statusCode, 200, 'its own API key works instead of the token');
  });

  t.test('abort removes the staging object; finalize then refuses', async (t) => {
    const bytes = await makeBundle({ version: '7.0.0' });
    const init = (await h.call('POST', '/v1/uploads', acme, { size: bytes.length })).json();
    const url = new URL(init.url);
    await h.app.inject({ method: 'PUT', url: url.pathname + url.search, payload: bytes });
    t.equal((await h.call('DELETE', `/v1/uploads/${init.uploadId}`, acme)).statusCode, 204);
    const fin = await h.call('POST', `/v1/uploads/${init.uploadId}/finalize`, acme, {});
    t.equal(fin.statusCode, 409);
    t.equal(fin.json().error.code, 'UPLOAD_CLOSED');
  });

  t.test(
    'signed bundles without a trust bundle are recorded as unverified; bad signatures always fail',
    async (t) => {
      const keys = generateSigningKeyPair('ed25519');
      const bytes = await makeBundle({ version: '8.0.0' });
      const doc = signBundle(sha256(bytes), keys.privateKeyPem);
      const ok = await publish(h, acme, bytes, { signature: doc });
      t.equal(ok.finalize.statusCode, 201, ok.finalize.body);
      t.same(ok.finalize.json().signature, {
        status: 'unverified',
        keyId: keys.keyId,
        signer: `key:${keys.keyId}`,
      });
      const versions = (await h.call('GET', '/v1/extensions/acme.hello/versions', acme)).json().items;
      t.match(
        versions.find((v: { version: string }) => v.version === '8.0.0'),
        { signature: { status: 'unverified', keyId: keys.keyId } },
      );

      const other = await makeBundle({ version: '8.0.1' });
      const wrongHash = await publish(h, acme, other, { signature: doc });
      t.equal(wrongHash.finalize.statusCode, 400);
      t.equal(wrongHash.finalize.json().error.code, 'SIGNATURE_INVALID');
    },
  );

  t.test('bad request bodies', async (t) => {
    t.equal((await h.call('POST', '/v1/uploads', acme, { size: 0 })).statusCode, 400);
    t.equal((await h.call('POST', '/v1/uploads', acme, { size: 10, sha256: 'nope' })).statusCode, 400);
    t.equal((await h.call('POST', '/v1/uploads/not-a-uuid/finalize', acme, {})).statusCode, 404);
    t.equal((await h.call('POST', '/v1/uploads', undefined, { size: 10 })).statusCode, 401);
    t.equal((await h.call('POST', '/v1/uploads', ADMIN, { size: 10 })).statusCode, 201, 'admins may publish');
  });
});

t.test(`a trust bundle makes signatures mandatory (${testDatabaseKind()})`, async (t) => {
  const trusted = generateSigningKeyPair('ecdsa-p256');
  const stranger = generateSigningKeyPair('ed25519');
  const h = await registryHarness(t, { SIGNING_TRUST_BUNDLE: trusted.publicKeyPem });
  const acme = await h.key('publisher', { publishers: ['acme'] });

  const unsigned = await publish(h, acme, await makeBundle({ version: '1.0.0' }));
  t.equal(unsigned.finalize.statusCode, 400);
  t.equal(unsigned.finalize.json().error.code, 'SIGNATURE_REQUIRED');

  const bytes = await makeBundle({ version: '1.0.1' });
  const untrusted = await publish(h, acme, bytes, {
    signature: signBundle(sha256(bytes), stranger.privateKeyPem),
  });
  t.equal(untrusted.finalize.statusCode, 400);
  t.equal(untrusted.finalize.json().error.code, 'SIGNER_UNTRUSTED');

  const tampered = signBundle(sha256(bytes), trusted.privateKeyPem);
  tampered.sig = Buffer.from('garbage').toString('base64');
  const invalid = await publish(h, acme, await makeBundle({ version: '1.0.2' }), { signature: tampered });
  t.equal(invalid.finalize.json().error.code, 'SIGNATURE_INVALID');

  const good = await makeBundle({ version: '1.0.3' });
  const verified = await publish(h, acme, good, {
    signature: signBundle(sha256(good), trusted.privateKeyPem),
  });
  t.equal(verified.finalize.statusCode, 201, verified.finalize.body);
  t.equal(verified.finalize.json().signature.status, 'verified');
  t.equal(verified.finalize.json().signature.keyId, trusted.keyId);
});
