// The runner's HTTP surface: bearer auth, envelope validation, size caps, idempotency keys and warmup.
import t from 'tap';
import { decodeEchoFrame } from '@annex/example-echo-wat';
import { buildEchoComponent } from './components.js';
import { answerBody, b64, runnerHarness, TOKEN } from './harness.js';

const h = await runnerHarness(t, { env: { EXT_GATEWAY_MAX_BODY_BYTES: '4096' } });
const hash = await h.publish(await buildEchoComponent());
const install = await h.install(hash);

t.test('every runner route needs RUNNER_TOKEN', async (t) => {
  for (const [method, url] of [
    ['POST', '/v1/execute'],
    ['POST', '/v1/warmup'],
    ['GET', '/v1/cache/stats'],
  ] as const) {
    for (const authorization of [undefined, 'Bearer nope', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
      const res = await h.app.inject({
        method,
        url,
        headers: authorization ? { authorization } : {},
        payload: method === 'POST' ? { anything: true } : undefined,
      });
      t.equal(res.statusCode, 401, `${method} ${url} with ${authorization ?? 'no header'}`);
      t.equal(res.json().error.code, 'UNAUTHORIZED');
    }
  }
});

t.test('an invalid envelope is 400 BAD_REQUEST naming the field', async (t) => {
  const good = h.envelope(install);
  const cases: Array<[string, unknown, RegExp]> = [
    ['no context', { ...good, context: undefined }, /context/],
    ['bad tenant id', { ...good, context: { ...(good.context as object), tenant_id: '../x' } }, /tenant_id/],
    [
      'bad content hash',
      { ...good, context: { ...(good.context as object), content_hash: 'sha256:zz' } },
      /content_hash/,
    ],
    ['path without /', { ...good, http: { ...(good.http as object), path: 'items' } }, /path/],
    ['body not base64', { ...good, http: { ...(good.http as object), body_b64: '###' } }, /body_b64/],
    ['timeout not a number', { ...good, limits: { timeout_ms: '5000' } }, /timeout_ms/],
    ['bad egress entry', { ...good, egress: ['ftp://x.example'] }, /egress\[0\]/],
  ];
  for (const [name, body, field] of cases) {
    const res = await h.execute(body);
    t.equal(res.statusCode, 400, name);
    t.equal(res.json().error.code, 'BAD_REQUEST', name);
    t.match(res.json().error.message, field, name);
  }
  const notJson = await h.app.inject({
    method: 'POST',
    url: '/v1/execute',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    payload: '{nope',
  });
  t.equal(notJson.statusCode, 400);
});

t.test('a body above EXT_GATEWAY_MAX_BODY_BYTES is 413', async (t) => {
  const ok = await h.execute(
    h.envelope(install, { http: { method: 'POST', body_b64: b64(Buffer.alloc(4096, 1)) } }),
  );
  t.equal(ok.statusCode, 200, 'at the cap');
  const over = await h.execute(
    h.envelope(install, { http: { method: 'POST', body_b64: b64(Buffer.alloc(4097, 1)) } }),
  );
  t.equal(over.statusCode, 413);
  t.match(over.json(), { error: { code: 'PAYLOAD_TOO_LARGE', details: { limit_bytes: 4096 } } });
  const huge = await h.execute(
    h.envelope(install, { http: { method: 'POST', body_b64: b64(Buffer.alloc(7 * 1024 * 1024, 1)) } }),
  );
  t.equal(huge.statusCode, 413, 'an envelope past the route body limit');
  t.equal(huge.json().error.code, 'PAYLOAD_TOO_LARGE');
});

t.test('limits are capped, not rejected, and every answer carries metrics', async (t) => {
  const res = await h.execute(
    h.envelope(install, { limits: { timeout_ms: 10_000_000, memory_mb: 100_000 } }),
  );
  t.equal(res.statusCode, 200);
  t.match(res.json().metrics, { duration_ms: Number, memory_bytes: Number, egress_bytes: 0, cold: Boolean });
  const defaults = await h.execute(h.envelope(install, { limits: null }));
  t.equal(defaults.statusCode, 200);
});

t.test('idempotency: a non-GET with the same key replays the first answer', async (t) => {
  const envelope = (requestId: string, body = 'pay 10') =>
    h.envelope(install, {
      http: { method: 'POST', path: '/payments', body_b64: b64(body) },
      context: { request_id: requestId },
    });
  const key = { 'x-idempotency-key': 'order-42' };
  const first = await h.execute(envelope('req-first'), key);
  t.equal(first.statusCode, 200);
  t.equal(first.headers['x-idempotent-replay'], undefined);
  const again = await h.execute(envelope('req-retry'), key);
  t.equal(again.statusCode, 200);
  t.equal(again.headers['x-idempotent-replay'], 'true');
  t.equal(again.body, first.body, 'byte-identical answer');
  t.equal(decodeEchoFrame(answerBody(again)).context.requestId, 'req-first', 'the guest did not run again');

  const reused = await h.execute(envelope('req-other', 'pay 1000'), key);
  t.equal(reused.statusCode, 409);
  t.equal(reused.json().error.code, 'IDEMPOTENCY_KEY_REUSED');

  const otherTenant = await h.install(hash, 't-other');
  const theirs = await h.execute(
    h.envelope(otherTenant, { http: { method: 'POST', path: '/payments', body_b64: b64('pay 1000') } }),
    key,
  );
  t.equal(theirs.statusCode, 200, 'keys are scoped by tenant and extension');
  t.equal(theirs.headers['x-idempotent-replay'], undefined);

  const concurrent = await Promise.all(
    ['req-a', 'req-b', 'req-c'].map((id) =>
      h.execute(envelope(id, 'pay 7'), { 'x-idempotency-key': 'order-43' }),
    ),
  );
  const ran = new Set(concurrent.map((r) => decodeEchoFrame(answerBody(r)).context.requestId));
  t.equal(ran.size, 1, 'concurrent retries run the guest once');

  const gets = await Promise.all(
    ['req-g1', 'req-g2'].map((id) =>
      h.execute(h.envelope(install, { context: { request_id: id } }), { 'x-idempotency-key': 'read-1' }),
    ),
  );
  t.same(
    gets.map((r) => decodeEchoFrame(answerBody(r)).context.requestId).sort(),
    ['req-g1', 'req-g2'],
    'GET is not replayed',
  );
  const badKey = await h.execute(envelope('req-bad'), { 'x-idempotency-key': 'has space' });
  t.equal(badKey.statusCode, 400);
});

t.test('runner errors are not stored under an idempotency key', async (t) => {
  const missing = h.envelope(install, {
    http: { method: 'POST' },
    context: { content_hash: `sha256:${'2'.repeat(64)}` },
  });
  const key = { 'x-idempotency-key': 'retry-me' };
  t.equal((await h.execute(missing, key)).statusCode, 404);
  t.equal((await h.execute(missing, key)).statusCode, 404, 'retried, not replayed');
});

t.test('POST /v1/warmup fetches and compiles ahead of the first call', async (t) => {
  const fresh = await h.publish(await buildEchoComponent());
  const before = await h.stats();
  const warm = await h.app.inject({
    method: 'POST',
    url: '/v1/warmup',
    headers: { authorization: `Bearer ${TOKEN}` },
    payload: { content_hash: fresh, memory_mb: 64 },
  });
  t.equal(warm.statusCode, 200);
  t.match(warm.json(), { content_hash: fresh, memory_mb: 64, duration_ms: Number });
  const middle = await h.stats();
  t.equal(middle.modules.transpiles - before.modules.transpiles, 1);
  t.equal(middle.modules.compiles - before.modules.compiles, 1);
  const res = await h.execute(h.envelope(await h.install(fresh), { limits: { memory_mb: 64 } }));
  t.equal(res.statusCode, 200);
  const after = await h.stats();
  t.equal(after.modules.transpiles, middle.modules.transpiles, 'no transpile on the first call');
  t.equal(after.modules.compiles, middle.modules.compiles, 'no compile on the first call');
  t.equal(after.bundles.fetches, middle.bundles.fetches);

  const unknown = await h.app.inject({
    method: 'POST',
    url: '/v1/warmup',
    headers: { authorization: `Bearer ${TOKEN}` },
    payload: { content_hash: '3'.repeat(64) },
  });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().error.code, 'BUNDLE_NOT_FOUND');
});
