import { createHash } from 'node:crypto';
import t from 'tap';
import { buildEchoComponent, decodeEchoFrame } from '@annex/example-echo-wat';
import {
  bundleBytes,
  callApi as api,
  createApiKey,
  publishBundle,
  startTestPlatform,
  TEST_ADMIN_TOKEN,
  testDatabaseKind,
} from '@annex/test-support';

/**
 * The gateway in front of the real runner (both services of the embedded platform, over HTTP): the
 * WAT echo component answers with the whole request it received, so the test sees exactly what the
 * guest got through registry → runner.
 */
t.test(`gateway → real runner → echo guest (${testDatabaseKind()})`, async (t) => {
  const platform = await startTestPlatform();
  t.teardown(() => platform.stop());
  const base = platform.registryUrl;
  const publisher = await createApiKey(base, TEST_ADMIN_TOKEN, { role: 'publisher', publishers: ['acme'] });
  const tenant = await createApiKey(base, TEST_ADMIN_TOKEN, { role: 'tenant', tenantId: 't1' });

  const bytes = await bundleBytes(
    { name: 'echo', version: '1.0.0', api: { endpoints: [{ method: 'POST', path: '/echo/:x' }] } },
    await buildEchoComponent(),
  );
  const sha256 = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  await publishBundle(base, publisher, bytes);
  const install = await api(base, tenant, 'POST', '/v1/tenants/t1/installs', { extension: 'acme.echo' });
  t.equal(install.status, 201);

  const res = await fetch(`${base}/api/ext/acme.echo/echo/42?a=1&a=2`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${tenant}`,
      'content-type': 'text/plain',
      'x-ext-trace': 'on',
      'x-request-id': 'e2e-1',
      cookie: 'session=1',
    },
    body: 'hello guest',
  });
  t.equal(res.status, 200);
  t.equal(res.headers.get('x-request-id'), 'e2e-1');
  t.equal(res.headers.get('x-ext-echo-path'), '/echo/42', 'x-ext-* guest headers come back');
  const seen = decodeEchoFrame(new Uint8Array(await res.arrayBuffer()));
  t.match(seen.context, {
    requestId: 'e2e-1',
    tenantId: 't1',
    installId: install.json.id,
    extensionId: (install.json.extension as { id: string }).id,
    version: '1.0.0',
    contentHash: sha256,
  });
  t.match(seen.http, { method: 'POST', path: '/echo/42' });
  t.same(seen.http.query, [
    ['a', '1'],
    ['a', '2'],
  ]);
  const headerNames = seen.http.headers.map(([name]) => name);
  t.ok(headerNames.includes('x-ext-trace'));
  t.notOk(
    headerNames.includes('cookie') || headerNames.includes('authorization'),
    'no credentials reach the guest',
  );
  t.equal(Buffer.from(seen.http.body!).toString(), 'hello guest');

  const log = await api(base, tenant, 'GET', '/v1/tenants/t1/executions');
  t.match((log.json.items as Record<string, unknown>[])[0], {
    requestId: 'e2e-1',
    status: 200,
    error: null,
    metrics: { endpoint: 'POST /echo/:x', cold: Boolean },
  });
});
