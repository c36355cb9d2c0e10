// The WAT echo component through POST /v1/execute: the whole request reaches the guest byte for byte,
// the answer carries metrics, and the second call of a hash neither transpiles nor compiles.
import t from 'tap';
import { decodeEchoFrame, ECHO_CONTENT_TYPE } from '@annex/example-echo-wat';
import { buildEchoComponent } from './components.js';
import { answerBody, runnerHarness } from './harness.js';

const h = await runnerHarness(t);
const hash = await h.publish(await buildEchoComponent());
const install = await h.install(hash);

const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

t.test('method, path, query, headers and body round-trip exactly', async (t) => {
  const envelope = h.envelope(install, {
    http: {
      method: 'POST',
      path: '/items/42/ünïcödé/日本',
      query: { a: ['1', '2'], empty: '', emoji: '🎉 and spaces' },
      headers: {
        'Content-Type': 'application/octet-stream',
        'x-ext-trace': ['a', 'b'],
        'accept-language': 'fr-CH',
      },
      body_b64: allBytes.toString('base64'),
    },
  });
  const res = await h.execute(envelope);
  t.equal(res.statusCode, 200);
  const answer = res.json();
  t.equal(answer.status, 200);
  t.same(answer.headers, {
    'content-type': ECHO_CONTENT_TYPE,
    'x-ext-echo-method': 'POST',
    'x-ext-echo-path': '/items/42/ünïcödé/日本',
  });
  const echoed = decodeEchoFrame(answerBody(res));
  const context = envelope.context as Record<string, string>;
  t.same(echoed.context, {
    requestId: context.request_id,
    tenantId: 't1',
    extensionId: install.extensionId,
    installId: install.installId,
    version: '1.0.0',
    contentHash: hash,
  });
  t.same(echoed.http.method, 'POST');
  t.same(echoed.http.path, '/items/42/ünïcödé/日本');
  t.same(echoed.http.query, [
    ['a', '1'],
    ['a', '2'],
    ['empty', ''],
    ['emoji', '🎉 and spaces'],
  ]);
  t.same(echoed.http.headers, [
    ['content-type', 'application/octet-stream'],
    ['x-ext-trace', 'a'],
    ['x-ext-trace', 'b'],
    ['accept-language', 'fr-CH'],
  ]);
  t.same(Buffer.from(echoed.http.body!), allBytes);
  t.match(answer.metrics, { duration_ms: Number, memory_bytes: Number, egress_bytes: 0, cold: Boolean });
  t.ok(answer.metrics.memory_bytes >= 65536);
});

t.test('no body and an empty body are told apart', async (t) => {
  const none = await h.execute(h.envelope(install, { http: { body_b64: null } }));
  t.equal(decodeEchoFrame(answerBody(none)).http.body, undefined);
  const empty = await h.execute(h.envelope(install, { http: { method: 'PUT', body_b64: '' } }));
  t.same(decodeEchoFrame(answerBody(empty)).http.body, new Uint8Array(0));
});

t.test(
  'the second execute of a hash does no transpile and no compile; the instance stays warm',
  async (t) => {
    const fresh = await h.publish(await buildEchoComponent());
    const other = await h.install(fresh);
    const before = await h.stats();
    const first = await h.execute(h.envelope(other));
    t.equal(first.statusCode, 200);
    t.equal(first.json().metrics.cold, true);
    const middle = await h.stats();
    t.equal(middle.modules.transpiles - before.modules.transpiles, 1, 'one transpile for a new hash');
    t.equal(middle.modules.compiles - before.modules.compiles, 1, 'one core module compiled');
    t.equal(middle.bundles.fetches - before.bundles.fetches, 1);
    for (let i = 0; i < 5; i++) {
      const again = await h.execute(h.envelope(other));
      t.equal(again.statusCode, 200);
    }
    const after = await h.stats();
    t.equal(after.modules.transpiles, middle.modules.transpiles, 'no transpile');
    t.equal(after.modules.compiles, middle.modules.compiles, 'no compile');
    t.equal(after.bundles.fetches, middle.bundles.fetches, 'no fetch');
    t.ok(after.modules.hits - middle.modules.hits >= 5);
    const warm = await h.execute(h.envelope(other));
    t.equal(warm.json().metrics.cold, false, 'a warm instance answered');
  },
);

t.test('concurrent first calls of a new hash fetch and transpile it once', async (t) => {
  const fresh = await h.publish(await buildEchoComponent());
  const other = await h.install(fresh);
  const before = await h.stats();
  const answers = await Promise.all(Array.from({ length: 4 }, () => h.execute(h.envelope(other))));
  t.same(
    answers.map((r) => r.statusCode),
    [200, 200, 200, 200],
  );
  const after = await h.stats();
  t.equal(after.bundles.fetches - before.bundles.fetches, 1);
  t.equal(after.modules.transpiles - before.modules.transpiles, 1);
  t.equal(after.modules.compiles - before.modules.compiles, 1);
});
