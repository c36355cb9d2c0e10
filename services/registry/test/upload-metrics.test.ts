// The registry's upload and finalize metrics after known traffic: counts and durations by outcome
// (ok, replayed, or the error code), bytes received through the registry, the HTTP histogram by route
// template; no publisher, extension or upload id in any label.
import t from 'tap';
import { scrapeMetrics, testDatabaseKind } from '@annex/test-support';
import { makeBundle, sha256 } from './bundles.js';
import { registryHarness, type Harness } from './harness.js';

const scrape = (h: Harness) => scrapeMetrics(h.app);

t.test(`upload and finalize metrics (${testDatabaseKind()})`, async (t) => {
  const h = await registryHarness(t, { EXT_MAX_BUNDLE_BYTES: String(1024 * 1024) });
  const publisher = await h.key('publisher', { publishers: ['metricsco'] });
  const tenant = await h.key('tenant', { tenantId: 'tenant-upload-metrics' });

  const initiate = (key: string, body: Record<string, unknown>) => h.call('POST', '/v1/uploads', key, body);
  const put = (url: string, bytes: Buffer) =>
    h.app.inject({ method: 'PUT', url: new URL(url).pathname + new URL(url).search, payload: bytes });
  const finalize = (uploadId: string) => h.call('POST', `/v1/uploads/${uploadId}/finalize`, publisher, {});

  // 1. A publish: initiate, bytes through the registry, finalize; then the same finalize again.
  const first = await makeBundle({ publisher: 'metricsco', name: 'zebrafish', version: '1.0.0' });
  const one = (await initiate(publisher, { size: first.length, sha256: sha256(first) })).json();
  t.equal((await put(one.url, first)).statusCode, 200);
  t.equal((await finalize(one.uploadId)).statusCode, 201);
  t.equal((await finalize(one.uploadId)).statusCode, 201, 'a retried finalize answers the stored result');

  // 2. Refused at initiate: over the cap, and a tenant key.
  t.equal((await initiate(publisher, { size: 2 * 1024 * 1024 })).statusCode, 413);
  t.equal((await initiate(tenant, { size: 10 })).statusCode, 403);

  // 3. The same version again: uploaded fine, refused at finalize.
  const again = await makeBundle({
    publisher: 'metricsco',
    name: 'zebrafish',
    version: '1.0.0',
    description: 'x',
  });
  const two = (await initiate(publisher, { size: again.length, sha256: sha256(again) })).json();
  t.equal((await put(two.url, again)).statusCode, 200);
  const clash = await finalize(two.uploadId);
  t.equal(clash.statusCode, 409);
  t.equal(clash.json().error.code, 'VERSION_EXISTS');

  // 4. Bytes that do not hash to the declared sha256, refused while streaming.
  const three = (
    await initiate(publisher, { size: first.length, sha256: sha256(Buffer.from('other')) })
  ).json();
  t.equal((await put(three.url, first)).statusCode, 400);

  // 5. Finalize before any byte arrived.
  const four = (await initiate(publisher, { size: 100 })).json();
  t.equal((await finalize(four.uploadId)).json().error.code, 'UPLOAD_INCOMPLETE');

  const m = await scrape(h);
  t.equal(m.value('annex_upload_total', { outcome: 'ok' }), 4);
  t.equal(m.value('annex_upload_total', { outcome: 'BUNDLE_TOO_LARGE' }), 1);
  t.equal(m.value('annex_upload_total', { outcome: 'FORBIDDEN' }), 1);
  t.equal(m.value('annex_upload_content_duration_seconds_count', { outcome: 'ok' }), 2);
  t.equal(m.value('annex_upload_content_duration_seconds_count', { outcome: 'HASH_MISMATCH' }), 1);
  t.equal(m.value('annex_upload_bytes_total'), first.length + again.length, 'bytes of the accepted PUTs');
  t.equal(m.value('annex_finalize_total', { outcome: 'ok' }), 1);
  t.equal(m.value('annex_finalize_total', { outcome: 'replayed' }), 1);
  t.equal(m.value('annex_finalize_total', { outcome: 'VERSION_EXISTS' }), 1);
  t.equal(m.value('annex_finalize_total', { outcome: 'UPLOAD_INCOMPLETE' }), 1);
  t.equal(m.value('annex_finalize_duration_seconds_count', { outcome: 'ok' }), 1);
  t.equal(m.value('annex_finalize_duration_seconds_count', { outcome: 'VERSION_EXISTS' }), 1);
  t.ok(m.value('annex_finalize_duration_seconds_sum', { outcome: 'ok' }) > 0);
  t.equal(
    m.value('annex_http_request_duration_seconds_count', {
      method: 'POST',
      route: '/v1/uploads/:uploadId/finalize',
      status: '201',
    }),
    2,
    'the HTTP histogram is labelled by route template',
  );
  t.ok(
    m.samples.every((s) => s.labels.service === 'registry'),
    'every sample carries service="registry"',
  );
  for (const text of ['metricsco', 'zebrafish', 'tenant-upload-metrics', one.uploadId, two.uploadId]) {
    t.notOk(m.text.includes(text), `${text} appears in no label`);
  }
});
