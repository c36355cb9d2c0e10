import { Readable } from 'node:stream';
import t from 'tap';
import { withSystem } from '@annex/db';
import { testDatabaseKind } from '@annex/test-support';
import { ADMIN, registryHarness, type Harness } from './harness.js';
import { publishVersion } from './publish.js';
import { closedPortUrl, startRunnerStub } from './runner-stub.js';

const ENDPOINTS = [
  { method: 'GET', path: '/' },
  { method: 'GET', path: '/items/:id' },
  { method: 'GET', path: '/items/new' },
  { method: 'POST', path: '/items' },
  { method: 'PUT', path: '/items/:id' },
  { method: 'PATCH', path: '/items/:id' },
  { method: 'DELETE', path: '/items/:id/tags/:tag' },
];

interface CallOptions {
  key: string;
  method?: string;
  headers?: Record<string, string>;
  payload?: string | Buffer | Readable;
}

function call(h: Harness, url: string, { key, method = 'GET', headers = {}, payload }: CallOptions) {
  return h.app.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${key}`, ...headers },
    ...(payload === undefined ? {} : { payload }),
  });
}

async function logRows(h: Harness, requestId: string) {
  return withSystem(h.database.db, (trx) =>
    trx.selectFrom('extension_execution_log').selectAll().where('request_id', '=', requestId).execute(),
  );
}

/** Publishes acme.gw, installs it for t1 and answers a tenant key. */
async function setUp(h: Harness, tenantId = 't1') {
  const pub = await h.key('publisher', { publishers: ['acme'] });
  await publishVersion(h, pub, { name: 'gw', version: '1.0.0', api: { endpoints: ENDPOINTS } });
  const key = await h.key('tenant', { tenantId });
  const res = await h.call('POST', `/v1/tenants/${tenantId}/installs`, key, { extension: 'acme.gw' });
  if (res.statusCode !== 201) throw new Error(res.body);
  return { key, install: res.json() as { id: string; extension: { id: string } }, pub };
}

t.test(`gateway (${testDatabaseKind()})`, async (t) => {
  const stub = await startRunnerStub(t);
  const h = await registryHarness(t, {
    RUNNER_BASE_URL: stub.url,
    EXT_GATEWAY_MAX_BODY_BYTES: '1024',
    EXT_GATEWAY_TIMEOUT_MS: '2000',
  });
  const { key, install } = await setUp(h);

  t.test('endpoints are matched before any runner call', async (t) => {
    const routed: [string, string, string][] = [
      ['GET', '/api/ext/acme.gw', '/'],
      ['GET', '/api/ext/acme.gw/', '/'],
      ['GET', '/api/ext/acme.gw/items/42', '/items/42'],
      ['GET', '/api/ext/acme.gw/items/a%20b', '/items/a%20b'],
      ['GET', '/api/ext/acme.gw/items/new', '/items/new'],
      ['POST', '/api/ext/acme.gw/items', '/items'],
      ['DELETE', '/api/ext/acme.gw/items/1/tags/red', '/items/1/tags/red'],
      ['GET', `/api/ext/${install.extension.id}/items/7`, '/items/7'],
    ];
    for (const [method, url, path] of routed) {
      const res = await call(h, url, { key, method });
      t.equal(res.statusCode, 200, `${method} ${url}`);
      t.equal(stub.calls.at(-1)!.envelope.http.path, path);
      t.equal(stub.calls.at(-1)!.envelope.http.method, method);
    }
    const newRow = await logRows(
      h,
      (await call(h, '/api/ext/acme.gw/items/new', { key })).headers['x-request-id'] as string,
    );
    t.equal(newRow[0]!.metrics.endpoint, 'GET /items/new', 'a literal segment beats a parameter');

    const before = stub.calls.length;
    const unmatched: [string, string][] = [
      ['GET', '/api/ext/acme.gw/items'],
      ['GET', '/api/ext/acme.gw/items/'],
      ['GET', '/api/ext/acme.gw/items//tags'],
      ['GET', '/api/ext/acme.gw/items/42/more'],
      ['POST', '/api/ext/acme.gw/items/42'],
      ['DELETE', '/api/ext/acme.gw/items/1/tags/'],
      ['PATCH', '/api/ext/acme.gw/other'],
    ];
    for (const [method, url] of unmatched) {
      const res = await call(h, url, { key, method });
      t.equal(res.statusCode, 404, `${method} ${url}`);
      t.equal(res.json().error.code, 'ENDPOINT_NOT_FOUND');
    }
    t.equal(stub.calls.length, before, 'the runner was never called');
  });

  t.test('request headers: only the allowlist reaches the guest', async (t) => {
    const res = await call(h, '/api/ext/acme.gw/items?b=2&a=1&a=3', {
      key,
      method: 'POST',
      payload: '{"n":1}',
      headers: {
        accept: 'application/json',
        'accept-language': 'fr',
        'content-type': 'application/json',
        'user-agent': 'host-app/1.0',
        'x-request-id': 'req-123.abc:1',
        'x-idempotency-key': 'idem-1',
        'x-ext-trace': 'on',
        cookie: 'session=1',
        'x-forwarded-for': '10.0.0.1',
        'x-tenant-id': 't1',
        'x-custom': 'no',
      },
    });
    t.equal(res.statusCode, 200, res.body);
    t.equal(res.headers['x-request-id'], 'req-123.abc:1', 'a valid client request id is kept and echoed');
    const sent = stub.calls.at(-1)!;
    t.same(sent.envelope.http.headers, {
      accept: 'application/json',
      'accept-language': 'fr',
      'content-type': 'application/json',
      'user-agent': 'host-app/1.0',
      'x-request-id': 'req-123.abc:1',
      'x-idempotency-key': 'idem-1',
      'x-ext-trace': 'on',
    });
    t.same(sent.envelope.http.query, { b: '2', a: ['1', '3'] }, 'a repeated name keeps its values');
    t.equal(Buffer.from(sent.envelope.http.body_b64!, 'base64').toString(), '{"n":1}');
    t.equal(sent.envelope.context.request_id, 'req-123.abc:1');
    t.equal(
      sent.headers.authorization,
      `Bearer ${h.config.runnerToken}`,
      'the runner token, not the caller’s key',
    );
    t.equal(sent.headers['x-idempotency-key'], 'idem-1');
    t.equal(sent.headers['x-request-id'], 'req-123.abc:1');

    const generated = await call(h, '/api/ext/acme.gw/items/1', {
      key,
      headers: { 'x-request-id': 'bad id!' },
    });
    t.match(generated.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'an invalid request id is replaced');
    t.equal(stub.calls.at(-1)!.envelope.http.headers['x-request-id'], generated.headers['x-request-id']);

    const binary = Buffer.from([0, 1, 2, 255, 254]);
    await call(h, '/api/ext/acme.gw/items', {
      key,
      method: 'POST',
      payload: binary,
      headers: { 'content-type': 'application/octet-stream' },
    });
    t.same(
      Buffer.from(stub.calls.at(-1)!.envelope.http.body_b64!, 'base64'),
      binary,
      'bytes reach the guest as sent',
    );
    await call(h, '/api/ext/acme.gw/items', { key, method: 'POST', payload: 'plain' });
    t.equal(
      Buffer.from(stub.calls.at(-1)!.envelope.http.body_b64!, 'base64').toString(),
      'plain',
      'any content type',
    );
    await call(h, '/api/ext/acme.gw/items/1', { key });
    t.equal(stub.calls.at(-1)!.envelope.http.body_b64, null);
  });

  t.test('the guest’s status, allowlisted headers and body come back', async (t) => {
    const body = Buffer.from([137, 80, 78, 71, 0, 255]);
    stub.answer(() => ({
      guest: {
        status: 201,
        headers: {
          'Content-Type': 'image/png',
          'cache-control': 'no-store',
          etag: '"v1"',
          location: '/items/9',
          'x-ext-items': '9',
          'set-cookie': 'session=evil',
          'x-powered-by': 'guest',
          'access-control-allow-origin': '*',
          'x-request-id': 'guest-chosen',
        },
        body,
      },
    }));
    const res = await call(h, '/api/ext/acme.gw/items', { key, method: 'POST', payload: '{}' });
    t.equal(res.statusCode, 201);
    t.same(res.rawPayload, body);
    t.match(res.headers, {
      'content-type': 'image/png',
      'cache-control': 'no-store',
      etag: '"v1"',
      location: '/items/9',
      'x-ext-items': '9',
    });
    for (const name of ['set-cookie', 'x-powered-by', 'access-control-allow-origin']) {
      t.notOk(name in res.headers, `${name} is not passed back`);
    }
    t.not(res.headers['x-request-id'], 'guest-chosen', 'the request id is the gateway’s');

    stub.answer(() => ({
      guest: { status: 503, headers: { 'content-type': 'text/plain' }, body: 'guest is sad' },
    }));
    const sad = await call(h, '/api/ext/acme.gw/items/1', { key });
    t.equal(sad.statusCode, 503);
    t.equal(sad.body, 'guest is sad', 'a guest error is the guest’s answer, passed as is');
    const row = (await logRows(h, sad.headers['x-request-id'] as string))[0]!;
    t.match(row, { status: 503, error: null });
    stub.answer((c) => ({ guest: { status: 200, body: c.envelope.http.path } }));
  });

  t.test('413: bodies above EXT_GATEWAY_MAX_BODY_BYTES', async (t) => {
    const before = stub.calls.length;
    const declared = await call(h, '/api/ext/acme.gw/items', {
      key,
      method: 'POST',
      payload: 'x'.repeat(2048),
    });
    t.equal(declared.statusCode, 413);
    t.equal(declared.json().error.code, 'PAYLOAD_TOO_LARGE');
    const chunked = await call(h, '/api/ext/acme.gw/items', {
      key,
      method: 'POST',
      payload: Readable.from([Buffer.alloc(800), Buffer.alloc(800)]),
      headers: { 'content-type': 'application/octet-stream' },
    });
    t.equal(chunked.statusCode, 413, 'also when the size is found while reading');
    t.equal(stub.calls.length, before, 'the runner was not called');
    t.equal(
      (await call(h, '/api/ext/acme.gw/items', { key, method: 'POST', payload: 'x'.repeat(1024) }))
        .statusCode,
      200,
    );
    t.equal((await logRows(h, declared.headers['x-request-id'] as string))[0]!.status, 413, 'logged');
  });

  t.test('runner errors map to the gateway’s answers', async (t) => {
    const cases: {
      runner: number;
      code: string;
      headers?: Record<string, string>;
      status: number;
      answer: string;
    }[] = [
      { runner: 413, code: 'PAYLOAD_TOO_LARGE', status: 413, answer: 'PAYLOAD_TOO_LARGE' },
      {
        runner: 429,
        code: 'CONCURRENCY_LIMIT',
        headers: { 'retry-after': '3' },
        status: 429,
        answer: 'CONCURRENCY_LIMIT',
      },
      { runner: 504, code: 'TIMEOUT', status: 504, answer: 'TIMEOUT' },
      { runner: 409, code: 'IDEMPOTENCY_KEY_REUSED', status: 409, answer: 'IDEMPOTENCY_KEY_REUSED' },
      { runner: 401, code: 'UNAUTHORIZED', status: 502, answer: 'RUNNER_ERROR' },
      { runner: 500, code: 'GUEST_TRAP', status: 502, answer: 'RUNNER_ERROR' },
      { runner: 502, code: 'BUNDLE_INTEGRITY', status: 502, answer: 'RUNNER_ERROR' },
      { runner: 507, code: 'MEMORY_LIMIT', status: 502, answer: 'RUNNER_ERROR' },
      { runner: 404, code: 'BUNDLE_NOT_FOUND', status: 502, answer: 'RUNNER_ERROR' },
    ];
    for (const c of cases) {
      stub.answer(() => ({
        status: c.runner,
        body: { error: { code: c.code, message: `runner says ${c.code}` } },
        ...(c.headers ? { headers: c.headers } : {}),
      }));
      const res = await call(h, '/api/ext/acme.gw/items/1', { key });
      t.equal(res.statusCode, c.status, `runner ${c.runner} ${c.code}`);
      t.equal(res.json().error.code, c.answer);
      if (c.status === 502) t.match(res.json().error.details, { runnerStatus: c.runner, runnerCode: c.code });
      if (c.runner === 429) t.equal(res.headers['retry-after'], '3');
      const row = (await logRows(h, res.headers['x-request-id'] as string))[0]!;
      t.match(row, { status: c.status, error: c.answer });
    }
    stub.answer(() => ({ status: 200, body: { not: 'an execute answer' } }));
    const garbled = await call(h, '/api/ext/acme.gw/items/1', { key });
    t.equal(garbled.statusCode, 502);
    t.equal(garbled.json().error.code, 'RUNNER_ERROR');

    stub.answer(() => ({ hang: true }));
    const slow = await call(h, '/api/ext/acme.gw/items/1', { key });
    t.equal(slow.statusCode, 504, 'past EXT_GATEWAY_TIMEOUT_MS');
    t.equal(slow.json().error.code, 'GATEWAY_TIMEOUT');
    t.match((await logRows(h, slow.headers['x-request-id'] as string))[0], {
      status: 504,
      error: 'GATEWAY_TIMEOUT',
    });
    stub.answer((c) => ({ guest: { status: 200, body: c.envelope.http.path } }));
  });

  t.test('one execution-log row per call: request id, status, duration', async (t) => {
    const ids: string[] = [];
    for (const path of ['/items/1', '/items/2', '/nope']) {
      const res = await call(h, `/api/ext/acme.gw${path}`, {
        key,
        headers: { 'x-request-id': `log-${path.slice(-1)}` },
      });
      ids.push(res.headers['x-request-id'] as string);
    }
    for (const [i, id] of ids.entries()) {
      const rows = await logRows(h, id);
      t.equal(rows.length, 1, `one row for ${id}`);
      const row = rows[0]!;
      t.match(row, {
        tenant_id: 't1',
        install_id: install.id,
        extension_id: install.extension.id,
        request_id: id,
      });
      t.equal(row.status, i < 2 ? 200 : 404);
      t.equal(row.error, i < 2 ? null : 'ENDPOINT_NOT_FOUND');
      t.ok(row.finished_at! >= row.started_at, 'finished after it started');
      t.type(row.metrics.duration_ms, 'number');
    }
    const listed = await h.call('GET', '/v1/tenants/t1/executions?status=error&limit=500', key);
    t.ok(listed.json().items.some((e: { requestId: string }) => e.requestId === 'log-e'));
    t.notOk(
      listed.json().items.some((e: { status: number }) => e.status < 400),
      'status=error filters',
    );
    const ok = await h.call('GET', '/v1/tenants/t1/executions?status=2xx&limit=2', key);
    t.same(
      ok.json().items.map((e: { requestId: string }) => e.requestId),
      ['log-2', 'log-1'],
    );
    t.match(ok.json().items[0], {
      status: 200,
      durationMs: Number,
      metrics: { endpoint: 'GET /items/:id', cold: false },
    });
    t.equal((await h.call('GET', '/v1/tenants/t1/executions?status=abc', key)).statusCode, 400);
  });

  t.test('who may call: tenant keys, gateway keys with x-tenant-id', async (t) => {
    const gatewayKey = await h.key('gateway');
    const viaGateway = await call(h, '/api/ext/acme.gw/items/1', {
      key: gatewayKey,
      headers: { 'x-tenant-id': 't1' },
    });
    t.equal(viaGateway.statusCode, 200);
    t.equal(stub.calls.at(-1)!.envelope.context.tenant_id, 't1');
    const noTenant = await call(h, '/api/ext/acme.gw/items/1', { key: gatewayKey });
    t.equal(noTenant.statusCode, 400);
    t.match(noTenant.json().error.message, /x-tenant-id/);
    const badTenant = await call(h, '/api/ext/acme.gw/items/1', {
      key: gatewayKey,
      headers: { 'x-tenant-id': '../x' },
    });
    t.equal(badTenant.statusCode, 400);
    const otherTenant = await call(h, '/api/ext/acme.gw/items/1', {
      key: gatewayKey,
      headers: { 'x-tenant-id': 't2' },
    });
    t.equal(otherTenant.json().error.code, 'EXTENSION_NOT_AVAILABLE');
    t.equal(
      (await call(h, '/api/ext/acme.gw/items/1', { key: ADMIN, headers: { 'x-tenant-id': 't1' } }))
        .statusCode,
      200,
    );
    const publisher = await h.key('publisher', { publishers: ['acme'] });
    t.equal((await call(h, '/api/ext/acme.gw/items/1', { key: publisher })).statusCode, 403);
    t.equal((await h.app.inject({ url: '/api/ext/acme.gw/items/1' })).statusCode, 401);
    t.equal((await call(h, '/api/ext/acme.gw/items/1', { key: 'annex_nope' })).statusCode, 401);
  });

  t.test('resolve: what an external gateway sends the runner', async (t) => {
    const gatewayKey = await h.key('gateway');
    const res = await h.call(
      'GET',
      '/v1/tenants/t1/installs/acme.gw/resolve?method=DELETE&path=/items/1/tags/x',
      gatewayKey,
    );
    t.equal(res.statusCode, 200, res.body);
    t.match(res.json(), {
      installId: install.id,
      extensionId: install.extension.id,
      version: '1.0.0',
      contentHash: /^sha256:/,
      endpoint: { method: 'DELETE', path: '/items/:id/tags/:tag' },
      config: {},
      providers: ['cap:context.read', 'cap:log.emit', 'cap:config.read'],
      egress: [],
      secretEnvelope: { ciphertext_b64: String, key_id: h.config.keks[0]!.id },
      limits: { timeout_ms: 5000, memory_mb: 128 },
    });
    const none = await h.call('GET', '/v1/tenants/t1/installs/acme.gw/resolve?method=GET&path=/nope', key);
    t.equal(none.json().error.code, 'ENDPOINT_NOT_FOUND');
    await h.call('POST', '/v1/tenants/t1/installs/acme.gw/disable', key);
    const disabled = await h.call(
      'GET',
      '/v1/tenants/t1/installs/acme.gw/resolve?method=GET&path=/',
      gatewayKey,
    );
    t.equal(disabled.statusCode, 404);
    t.equal(disabled.json().error.code, 'EXTENSION_NOT_AVAILABLE');
    await h.call('POST', '/v1/tenants/t1/installs/acme.gw/enable', key);
    const bad = await h.call('GET', '/v1/tenants/t1/installs/acme.gw/resolve?method=HEAD&path=/', key);
    t.equal(bad.statusCode, 400);
  });
});

t.test(`gateway: runner down → 502 (${testDatabaseKind()})`, async (t) => {
  const h = await registryHarness(t, { RUNNER_BASE_URL: await closedPortUrl() });
  const { key } = await setUp(h);
  const res = await call(h, '/api/ext/acme.gw/items/1', { key });
  t.equal(res.statusCode, 502);
  t.equal(res.json().error.code, 'RUNNER_UNAVAILABLE');
  t.match((await logRows(h, res.headers['x-request-id'] as string))[0], {
    status: 502,
    error: 'RUNNER_UNAVAILABLE',
  });
});

t.test(
  `gateway: 429 with Retry-After per tenant and extension, in memory (${testDatabaseKind()})`,
  async (t) => {
    const stub = await startRunnerStub(t);
    const h = await registryHarness(t, { RUNNER_BASE_URL: stub.url, EXT_GATEWAY_RATE_LIMIT: '2' });
    const { key, pub } = await setUp(h);
    await publishVersion(h, pub, { name: 'other', version: '1.0.0' });
    await h.call('POST', '/v1/tenants/t1/installs', key, { extension: 'acme.other' });
    const other = await h.key('tenant', { tenantId: 't2' });
    await h.call('POST', '/v1/tenants/t2/installs', other, { extension: 'acme.gw' });

    const first = await call(h, '/api/ext/acme.gw/items/1', { key });
    t.equal(first.headers['x-ratelimit-limit'], '2');
    t.equal(first.headers['x-ratelimit-remaining'], '1');
    t.equal((await call(h, `/api/ext/acme.gw/items/2`, { key })).statusCode, 200);
    const calls = stub.calls.length;
    const limited = await call(h, '/api/ext/acme.gw/items/3', { key });
    t.equal(limited.statusCode, 429);
    t.equal(limited.json().error.code, 'RATE_LIMITED');
    t.match(limited.headers['retry-after'], /^[1-9]\d*$/);
    t.ok(Number(limited.headers['retry-after']) <= 60);
    t.equal(stub.calls.length, calls, 'the runner was not called');
    t.match((await logRows(h, limited.headers['x-request-id'] as string))[0], {
      status: 429,
      error: 'RATE_LIMITED',
    });
    t.equal(
      (await call(h, '/api/ext/acme.other/hello', { key })).statusCode,
      200,
      'another extension has its own limit',
    );
    t.equal(
      (await call(h, '/api/ext/acme.gw/items/1', { key: other })).statusCode,
      200,
      'another tenant has its own limit',
    );
  },
);
