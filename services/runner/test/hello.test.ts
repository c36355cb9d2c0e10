// examples/hello (a JavaScript component built with componentize-js) through the runner: kv on
// extension_kv with compare-and-set, the install config, routing on method and path, and its log
// lines stamped with the request id.
import t from 'tap';
import { withTenant } from '@annex/db';
import { buildHello } from './components.js';
import { answerBody, b64, runnerHarness } from './harness.js';

const h = await runnerHarness(t);
const hash = await h.publish(await buildHello(), {
  manifest: { capabilities: ['cap:context.read', 'cap:log.emit', 'cap:config.read', 'cap:storage.kv'] },
});
const install = await h.install(hash);
const providers = ['cap:context.read', 'cap:log.emit', 'cap:storage.kv'];

const call = (
  method: string,
  path: string,
  extra: { body?: unknown; config?: object; providers?: string[] } = {},
) =>
  h.execute(
    h.envelope(install, {
      http: {
        method,
        path,
        headers: { 'content-type': 'application/json' },
        body_b64: extra.body === undefined ? null : b64(JSON.stringify(extra.body)),
      },
      context: { config: extra.config ?? { greeting: 'Howdy' } },
      providers: extra.providers ?? providers,
      limits: { timeout_ms: 10_000, memory_mb: 128 },
    }),
  );
const json = (res: Awaited<ReturnType<typeof call>>) => JSON.parse(answerBody(res).toString());

t.test('GET /hello/:name reads the config and counts visits in kv', async (t) => {
  const first = await call('GET', '/hello/Ada');
  t.equal(first.statusCode, 200);
  t.equal(first.json().status, 200);
  t.equal(first.json().headers['content-type'], 'application/json; charset=utf-8');
  t.same(json(first), { message: 'Howdy, Ada!', visits: 1 });
  t.same(json(await call('GET', '/hello/Ada')), { message: 'Howdy, Ada!', visits: 2 });
  t.same(json(await call('GET', '/hello/Zo%C3%AB', { config: {} })), { message: 'Hello, Zoë!', visits: 1 });

  const row = await withTenant(h.database.db, 't1', (trx) =>
    trx
      .selectFrom('extension_kv')
      .select(['value', 'revision'])
      .where('install_id', '=', install.installId)
      .where('key', '=', 'visits:Ada')
      .executeTakeFirstOrThrow(),
  );
  t.equal(Buffer.from(row.value).toString(), '2');
  t.equal(Number(row.revision), 2, 'each write advanced the revision');
});

t.test('concurrent increments are all counted (compare-and-set with retries)', async (t) => {
  const results = await Promise.all([1, 2, 3, 4].map(() => call('GET', '/hello/Bo')));
  t.same(
    results.map((r) => r.json().status),
    [200, 200, 200, 200],
  );
  t.same(results.map((r) => json(r).visits).sort(), [1, 2, 3, 4], 'no lost update');
});

t.test('POST, GET and DELETE /notes keep notes in kv', async (t) => {
  const created = await call('POST', '/notes', { body: { text: 'buy milk ☕' } });
  t.equal(created.json().status, 201);
  t.equal(created.json().headers.location, '/notes/1');
  t.equal(json(created).text, 'buy milk ☕');
  t.equal((await call('POST', '/notes', { body: { text: 'second' } })).json().status, 201);
  const listed = json(await call('GET', '/notes'));
  t.same(
    listed.items.map((n: { id: number; text: string }) => [n.id, n.text]),
    [
      [1, 'buy milk ☕'],
      [2, 'second'],
    ],
  );
  t.equal((await call('DELETE', '/notes/1')).json().status, 204);
  t.equal((await call('DELETE', '/notes/1')).json().status, 404);
  t.equal((await call('POST', '/notes', { body: { text: '' } })).json().status, 400);
});

t.test('log lines carry the request id', async (t) => {
  const envelope = h.envelope(install, { http: { path: '/hello/Logan' }, providers });
  const res = await h.execute(envelope);
  t.equal(res.json().status, 200);
  const line = h.logs().find((l) => l.guest === true && l.msg === 'greeted Logan {"visits":1}');
  t.match(line, {
    level: 30,
    reqId: (envelope.context as { request_id: string }).request_id,
    tenantId: 't1',
    extensionId: install.extensionId,
    installId: install.installId,
  });
});

t.test('without cap:storage.kv the guest cannot reach kv and answers its own 500', async (t) => {
  const res = await call('GET', '/hello/Ada', { providers: ['cap:log.emit'] });
  t.equal(res.statusCode, 200, 'a guest answer, whatever its status');
  t.equal(res.json().status, 500);
  t.match(json(res), { error: { code: 'EXTENSION_ERROR' } });
  const line = h.logs().find((l) => l.guest === true && /kv: denied/.test(String(l.msg)));
  t.ok(line, 'the guest logged the denial');
});

t.test('routing misses are the guest answers', async (t) => {
  t.equal((await call('GET', '/nothing')).json().status, 404);
  const wrong = await call('PUT', '/notes');
  t.equal(wrong.json().status, 405);
  t.equal(wrong.json().headers.allow, 'GET, POST');
});
