import { Writable } from 'node:stream';
import t, { type Test } from 'tap';
import { createServer, HttpError, opsRoutes, type ReadinessCheck } from '@annex/server';
import { loadConfig } from '@annex/config';
import { tempDir } from '@annex/test-support';

function app(t: Test) {
  const server = createServer({ service: 'registry', logLevel: 'info', bodyLimit: 64 });
  server.post(
    '/echo',
    { schema: { body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } } },
    async (req) => req.body,
  );
  server.get('/teapot', async () => {
    throw new HttpError(418, 'TEAPOT', 'short and stout', { spout: true }, { 'retry-after': '3' });
  });
  t.teardown(() => server.close());
  return server;
}

t.test('request ids: kept when well-formed, else generated, always echoed', async (t) => {
  const server = app(t);
  const kept = await server.inject({ url: '/healthz-missing', headers: { 'x-request-id': 'req-123.abc:1' } });
  t.equal(kept.headers['x-request-id'], 'req-123.abc:1');
  const replaced = await server.inject({ url: '/x', headers: { 'x-request-id': 'bad id with spaces' } });
  t.match(replaced.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  const generated = await server.inject({ url: '/x' });
  t.match(generated.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  t.not(generated.headers['x-request-id'], replaced.headers['x-request-id']);
});

t.test('errors have one shape', async (t) => {
  const server = app(t);
  const notFound = await server.inject({ url: '/nope?token=x' });
  t.equal(notFound.statusCode, 404);
  t.same(notFound.json(), { error: { code: 'NOT_FOUND', message: 'no route for GET /nope' } });

  const badJson = await server.inject({
    method: 'POST',
    url: '/echo',
    headers: { 'content-type': 'application/json' },
    payload: '{"n": nope',
  });
  t.equal(badJson.statusCode, 400);
  t.same(badJson.json(), { error: { code: 'BAD_REQUEST', message: 'request body is not valid JSON' } });

  const wrongType = await server.inject({ method: 'POST', url: '/echo', payload: { n: 'x' } });
  t.equal(wrongType.statusCode, 400);
  t.equal(wrongType.json().error.code, 'BAD_REQUEST');
  t.same(wrongType.json().error.details.issues, [{ path: 'body.n', message: 'must be integer' }]);

  const tooBig = await server.inject({
    method: 'POST',
    url: '/echo',
    payload: { n: 1, pad: 'x'.repeat(100) },
  });
  t.equal(tooBig.statusCode, 413);
  t.equal(tooBig.json().error.code, 'PAYLOAD_TOO_LARGE');

  const teapot = await server.inject({ url: '/teapot' });
  t.equal(teapot.statusCode, 418);
  t.equal(teapot.headers['retry-after'], '3');
  t.same(teapot.json(), { error: { code: 'TEAPOT', message: 'short and stout', details: { spout: true } } });
});

t.test('an unexpected error answers a generic 500 and logs no secret, SQL or stack', async (t) => {
  let logs = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs += chunk.toString();
      cb();
    },
  });
  const server = createServer({ service: 'runner', logLevel: 'info', logStream: sink });
  server.get('/boom', async () => {
    throw new Error('connection to postgres://admin:hunter2@db failed at SELECT * FROM api_key');
  });
  t.teardown(() => server.close());
  const res = await server.inject({ url: '/boom', headers: { authorization: 'Bearer sekrit-token' } });
  t.equal(res.statusCode, 500);
  t.same(res.json(), {
    error: { code: 'INTERNAL', message: 'internal error; the request id identifies it in the logs' },
  });
  t.notMatch(res.body, /hunter2|SELECT|at /);
  t.match(logs, /unhandled error/);
  t.notMatch(logs, /\n\s+at /, 'no stack trace in logs');
});

t.test('default logger redacts credentials and query strings', async (t) => {
  const { loggerOptions } = await import('@annex/server');
  const pino = (await import('pino')).default;
  let out = '';
  const logger = pino(
    loggerOptions('registry', 'info') as object,
    new Writable({
      write(c, _e, cb) {
        out += c.toString();
        cb();
      },
    }),
  );
  logger.info(
    {
      req: {
        id: '1',
        method: 'PUT',
        url: '/v1/uploads/u/content?token=abc123',
        headers: { authorization: 'Bearer k' },
      },
    },
    'incoming',
  );
  logger.error({ err: Object.assign(new Error('bad'), { code: 'E_BAD' }) }, 'failed');
  t.notMatch(out, /abc123/);
  t.notMatch(out, /Bearer k/);
  t.match(out, /"url":"\/v1\/uploads\/u\/content"/);
  t.match(out, /"code":"E_BAD"/);
  t.notMatch(out, /stack/);
});

t.test('readiness names what is down; the fingerprint needs an operator', async (t) => {
  const dir = tempDir();
  t.teardown(dir.remove);
  const config = loadConfig('registry', { DATA_DIR: dir.path });
  let storeUp = true;
  const checks: ReadinessCheck[] = [
    { name: 'database', check: async () => {} },
    {
      name: 'store',
      check: async () => {
        if (!storeUp) throw new Error('bucket b not reachable (HTTP 403)');
      },
    },
  ];
  const server = createServer({ service: 'registry', logLevel: 'silent' });
  await server.register(opsRoutes, {
    config,
    checks,
    authorizeOperator: (r) => r.headers.authorization === 'Bearer op',
  });
  t.teardown(() => server.close());

  t.same((await server.inject({ url: '/healthz' })).json(), { status: 'ok', service: 'registry' });
  const ready = await server.inject({ url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.same(ready.json(), { status: 'ready', checks: { database: 'ok', store: 'ok' } });

  storeUp = false;
  const down = await server.inject({ url: '/readyz' });
  t.equal(down.statusCode, 503);
  t.same(down.json(), {
    error: {
      code: 'NOT_READY',
      message: 'not ready: store is down',
      details: { checks: { database: 'ok', store: 'down: bucket b not reachable (HTTP 403)' } },
    },
  });

  t.equal((await server.inject({ url: '/v1/config/fingerprint' })).statusCode, 401);
  const fp = await server.inject({ url: '/v1/config/fingerprint', headers: { authorization: 'Bearer op' } });
  t.equal(fp.statusCode, 200);
  t.equal(fp.json().service, 'registry');
  t.match(fp.json().fingerprint, /^[0-9a-f]{64}$/);
});

t.test('/metrics: request durations by route template and status, no raw URLs', async (t) => {
  const server = createServer({ service: 'runner', logLevel: 'silent' });
  server.get('/items/:id', async () => ({ ok: true }));
  t.teardown(() => server.close());
  for (const id of ['1', '2', 'tenant-secret-id']) await server.inject({ url: `/items/${id}` });
  await server.inject({ url: '/nowhere' });
  const res = await server.inject({ url: '/metrics' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /text\/plain/);
  t.match(
    res.body,
    /annex_http_request_duration_seconds_count\{service="runner",method="GET",route="\/items\/:id",status="200"\} 3/,
  );
  t.match(res.body, /route="unmatched",status="404"/);
  t.notMatch(res.body, /tenant-secret-id/);
  t.match(res.body, /annex_process_resident_memory_bytes/);
});
