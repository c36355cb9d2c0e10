import t from 'tap';
import { testDatabaseKind } from '@annex/test-support';
import { ADMIN, registryHarness } from './harness.js';

t.test(`API keys (${testDatabaseKind()})`, async (t) => {
  const h = await registryHarness(t);

  t.test('without a key, or with a bad one: 401', async (t) => {
    const none = await h.call('GET', '/v1/api-keys', undefined);
    t.equal(none.statusCode, 401);
    t.same(none.json(), {
      error: { code: 'UNAUTHORIZED', message: 'an API key is required: Authorization: Bearer <key>' },
    });
    const bad = await h.call('GET', '/v1/api-keys', 'annex_not-a-key');
    t.equal(bad.statusCode, 401);
    t.equal(bad.json().error.message, 'the API key is not valid or was revoked');
  });

  t.test('admins create keys of every role; the key is shown once and stored hashed', async (t) => {
    const res = await h.call('POST', '/v1/api-keys', ADMIN, {
      role: 'publisher',
      publishers: ['acme', 'acme'],
      name: 'ci',
    });
    t.equal(res.statusCode, 201);
    const created = res.json();
    t.match(created, { role: 'publisher', publishers: ['acme'], name: 'ci', revokedAt: null });
    t.match(created.key, /^annex_[A-Za-z0-9_-]{43}$/);
    t.match(created.id, /^[0-9a-f-]{36}$/);

    const tenant = await h.call('POST', '/v1/api-keys', ADMIN, { role: 'tenant', tenantId: 'tenant-1' });
    t.match(tenant.json(), { role: 'tenant', tenantId: 'tenant-1', name: null });
    t.equal((await h.call('POST', '/v1/api-keys', ADMIN, { role: 'gateway' })).statusCode, 201);
    t.equal((await h.call('POST', '/v1/api-keys', ADMIN, { role: 'admin' })).statusCode, 201);

    const rows = await h.database.db.selectFrom('api_key').select(['hash']).execute();
    for (const row of rows) t.not(row.hash, created.key, 'the key itself is not stored');
    t.ok(rows.some((r) => r.hash.length === 64));

    const list = await h.call('GET', '/v1/api-keys', ADMIN);
    t.equal(list.statusCode, 200);
    t.notMatch(list.body, created.key.slice(6));
    t.notMatch(list.body, /"key"|"hash"/);
    t.equal(list.json().items.length, 4);
  });

  t.test('a role that needs a scope and lacks it, or a scope for the wrong role: 400', async (t) => {
    for (const body of [
      { role: 'publisher' },
      { role: 'publisher', publishers: [] },
      { role: 'tenant' },
      { role: 'tenant', tenantId: 'bad tenant!' },
      { role: 'gateway', tenantId: 't1' },
      { role: 'tenant', tenantId: 't1', publishers: ['acme'] },
      { role: 'publisher', publishers: ['Not_Valid'] },
      { role: 'root' },
      { role: 'admin', extra: true },
    ]) {
      const res = await h.call('POST', '/v1/api-keys', ADMIN, body);
      t.equal(res.statusCode, 400, JSON.stringify(body));
      t.equal(res.json().error.code, 'BAD_REQUEST');
    }
  });

  t.test('non-admin keys get 403 on every key route, whatever they send', async (t) => {
    for (const role of ['publisher', 'tenant', 'gateway'] as const) {
      const key = await h.key(
        role,
        role === 'publisher' ? { publishers: ['acme'] } : role === 'tenant' ? { tenantId: 't9' } : {},
      );
      t.equal((await h.call('GET', '/v1/api-keys', key)).statusCode, 403, `${role} list`);
      t.equal(
        (await h.call('POST', '/v1/api-keys', key, { role: 'admin' })).statusCode,
        403,
        `${role} create`,
      );
      t.equal(
        (await h.call('POST', '/v1/api-keys', key, { nonsense: 1 })).statusCode,
        403,
        `${role} create, bad body`,
      );
      t.equal((await h.call('DELETE', '/v1/api-keys/not-a-uuid', key)).statusCode, 403, `${role} revoke`);
    }
  });

  t.test('revoking a key stops it at once; unknown ids answer 404', async (t) => {
    const res = await h.call('POST', '/v1/api-keys', ADMIN, { role: 'admin', name: 'temp' });
    const { id, key } = res.json();
    t.equal((await h.call('GET', '/v1/api-keys', key)).statusCode, 200);
    t.equal((await h.call('DELETE', `/v1/api-keys/${id}`, ADMIN)).statusCode, 204);
    t.equal((await h.call('GET', '/v1/api-keys', key)).statusCode, 401);
    t.equal((await h.call('DELETE', `/v1/api-keys/${id}`, ADMIN)).statusCode, 204, 'idempotent');
    const listed = (await h.call('GET', '/v1/api-keys', ADMIN))
      .json()
      .items.find((k: { id: string }) => k.id === id);
    t.ok(listed.revokedAt);
    const missing = await h.call('DELETE', '/v1/api-keys/00000000-0000-4000-8000-000000000000', ADMIN);
    t.equal(missing.statusCode, 404);
    t.equal(missing.json().error.code, 'API_KEY_NOT_FOUND');
    t.equal((await h.call('DELETE', '/v1/api-keys/nope', ADMIN)).statusCode, 400);
  });

  t.test('the fingerprint accepts admin keys only', async (t) => {
    const admin = await h.key('admin');
    const tenant = await h.key('tenant', { tenantId: 't1' });
    t.equal((await h.call('GET', '/v1/config/fingerprint', admin)).statusCode, 200);
    t.equal((await h.call('GET', '/v1/config/fingerprint', tenant)).statusCode, 401);
  });
});

t.test('OpenAPI describes the routes', async (t) => {
  const h = await registryHarness(t);
  const res = await h.call('GET', '/openapi.json', undefined);
  t.equal(res.statusCode, 200);
  const doc = res.json();
  t.equal(doc.openapi, '3.0.3');
  for (const path of [
    '/v1/api-keys',
    '/v1/extensions',
    '/v1/extensions/{ext}',
    '/v1/extensions/{ext}/versions/{version}',
  ]) {
    t.ok(doc.paths[path], path);
  }
  const docs = await h.call('GET', '/docs/', undefined);
  t.equal(docs.statusCode, 200);
  t.match(docs.headers['content-type'], /html/);
});
