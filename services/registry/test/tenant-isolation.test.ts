import t from 'tap';
import { testDatabaseKind } from '@annex/test-support';
import { registryHarness } from './harness.js';
import { publishVersion } from './publish.js';
import { startRunnerStub } from './runner-stub.js';

/** A body each route would accept from its own tenant, so only the tenant check can refuse it. */
const BODIES: Record<string, unknown> = {
  'POST /v1/tenants/{tenantId}/installs': { extension: 'acme.shared', version: '1.0.0' },
  'POST /v1/tenants/{tenantId}/installs/{ext}/update': { version: '1.0.0', approve: true },
  'PATCH /v1/tenants/{tenantId}/installs/{ext}': { config: {} },
  'PUT /v1/tenants/{tenantId}/installs/{ext}/secrets': { TOKEN: 'from-tenant-a' },
  'POST /v1/tenants/{tenantId}/events': { topic: 'ticket.created', payload: {} },
};
const QUERIES: Record<string, string> = {
  'GET /v1/tenants/{tenantId}/installs/{ext}/resolve': '?method=GET&path=/hello',
};

t.test(`tenant A's key never reaches tenant B (${testDatabaseKind()})`, async (t) => {
  const stub = await startRunnerStub(t);
  const h = await registryHarness(t, { RUNNER_BASE_URL: stub.url });
  const pub = await h.key('publisher', { publishers: ['acme'] });
  const keyA = await h.key('tenant', { tenantId: 'tenant-a' });
  const keyB = await h.key('tenant', { tenantId: 'tenant-b' });
  await publishVersion(h, pub, {
    name: 'shared',
    version: '1.0.0',
    capabilities: ['cap:secrets.get'],
    secrets: [{ name: 'TOKEN' }],
  });
  const installB = await h.call('POST', '/v1/tenants/tenant-b/installs', keyB, { extension: 'acme.shared' });
  t.equal(installB.statusCode, 201);
  await h.call('PUT', '/v1/tenants/tenant-b/installs/acme.shared/secrets', keyB, { TOKEN: 'b-secret' });
  t.equal(
    (await h.app.inject({ url: '/api/ext/acme.shared/hello', headers: { authorization: `Bearer ${keyB}` } }))
      .statusCode,
    200,
  );
  const before = {
    install: (await h.call('GET', '/v1/tenants/tenant-b/installs/acme.shared', keyB)).json(),
    secrets: (await h.call('GET', '/v1/tenants/tenant-b/installs/acme.shared/secrets', keyB)).json(),
    executions: (await h.call('GET', '/v1/tenants/tenant-b/executions', keyB)).json(),
  };

  // Every tenant route the registry has, from its own OpenAPI description: a route added later is walked too.
  const spec = (await h.app.inject({ url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  const routes = Object.entries(spec.paths)
    .filter(([path]) => path.startsWith('/v1/tenants/{tenantId}'))
    .flatMap(([path, methods]) => Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path })));
  t.ok(routes.length >= 12, `walks ${routes.length} routes`);
  const url = (path: string, tenant: string, ext: string) =>
    path
      .replace('{tenantId}', tenant)
      .replace('{ext}', ext)
      .replace('{name}', 'TOKEN')
      .replace('{id}', 'evt-1');

  t.test("tenant B's routes answer 404 to tenant A's key", async (t) => {
    for (const { method, path } of routes) {
      const key = `${method} ${path}`;
      for (const ext of ['acme.shared', installB.json().extension.id]) {
        const res = await h.call(
          method,
          url(path, 'tenant-b', ext) + (QUERIES[key] ?? ''),
          keyA,
          BODIES[key],
        );
        t.equal(res.statusCode, 404, `${key} (${ext}): ${res.body}`);
        t.notMatch(res.body, /b-secret|tenant-b/, 'nothing of B in the answer');
      }
      // The body is not even read: a malformed one gets the same answer.
      if (['POST', 'PUT', 'PATCH'].includes(method)) {
        const res = await h.call(method, url(path, 'tenant-b', 'acme.shared'), keyA, { junk: true });
        t.equal(res.statusCode, 404, `${key} with a bad body`);
      }
    }
  });

  t.test("B's extension is not installed for A under A's own tenant", async (t) => {
    for (const { method, path } of routes.filter((r) => r.path.includes('{ext}'))) {
      const key = `${method} ${path}`;
      const res = await h.call(
        method,
        url(path, 'tenant-a', 'acme.shared') + (QUERIES[key] ?? ''),
        keyA,
        BODIES[key],
      );
      t.equal(res.statusCode, 404, `${key}: ${res.body}`);
    }
  });

  t.test("the gateway: A's key cannot call B's install", async (t) => {
    const calls = stub.calls.length;
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      const named = await h.app.inject({
        method,
        url: '/api/ext/acme.shared/hello',
        headers: { authorization: `Bearer ${keyA}`, 'x-tenant-id': 'tenant-b' },
      });
      t.equal(named.statusCode, 404, `${method} with x-tenant-id: tenant-b`);
      const own = await h.app.inject({
        method,
        url: '/api/ext/acme.shared/hello',
        headers: { authorization: `Bearer ${keyA}` },
      });
      t.equal(own.statusCode, 404, `${method} as tenant-a`);
      t.equal(own.json().error.code, 'EXTENSION_NOT_AVAILABLE');
    }
    t.equal(stub.calls.length, calls, 'the runner was never called');
  });

  t.test("B's data is as it was", async (t) => {
    t.same((await h.call('GET', '/v1/tenants/tenant-b/installs/acme.shared', keyB)).json(), before.install);
    t.same(
      (await h.call('GET', '/v1/tenants/tenant-b/installs/acme.shared/secrets', keyB)).json(),
      before.secrets,
    );
    t.same((await h.call('GET', '/v1/tenants/tenant-b/executions', keyB)).json(), before.executions);
    t.same((await h.call('GET', '/v1/tenants/tenant-a/installs', keyA)).json(), { items: [] });
  });
});
