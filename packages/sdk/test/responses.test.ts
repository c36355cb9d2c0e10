import t from 'tap';
import {
  HttpError,
  badRequest,
  bytes,
  empty,
  errorResponse,
  header,
  html,
  json,
  notFound,
  queryParam,
  queryParams,
  readJson,
  readText,
  text,
  type HttpRequest,
} from '@annex/sdk';

const decode = (b?: Uint8Array) => new TextDecoder().decode(b);

t.test('json, text, html, bytes and empty', async (t) => {
  const j = json(201, { a: 'é' }, { 'X-Ext-Id': '1' });
  t.same(j.headers, [
    ['content-type', 'application/json; charset=utf-8'],
    ['x-ext-id', '1'],
  ]);
  t.equal(decode(j.body), '{"a":"é"}');
  t.equal(j.status, 201);
  t.same(text(200, 'hi').headers, [['content-type', 'text/plain; charset=utf-8']]);
  t.same(html(200, '<p>').headers, [['content-type', 'text/html; charset=utf-8']]);
  const b = bytes(200, Uint8Array.of(0, 255), 'image/png', [
    ['Cache-Control', 'no-store'],
    ['x-ext-a', '1'],
    ['x-ext-a', '2'],
  ]);
  t.same(b.headers, [
    ['content-type', 'image/png'],
    ['cache-control', 'no-store'],
    ['x-ext-a', '1'],
    ['x-ext-a', '2'],
  ]);
  t.same(b.body, Uint8Array.of(0, 255));
  t.same(empty(), { status: 204, headers: [] });
});

t.test('given headers replace defaults of the same name', async (t) => {
  t.same(json(200, 1, { 'Content-Type': 'application/problem+json' }).headers, [
    ['content-type', 'application/problem+json'],
  ]);
});

t.test('error shapes', async (t) => {
  t.same(JSON.parse(decode(errorResponse(409, 'TAKEN', 'Already there').body)), {
    error: { code: 'TAKEN', message: 'Already there' },
  });
  t.equal(notFound().status, 404);
  t.same(JSON.parse(decode(badRequest('nope').body)), { error: { code: 'BAD_REQUEST', message: 'nope' } });
});

t.test('reading requests', async (t) => {
  const http: HttpRequest = {
    method: 'POST',
    path: '/x',
    query: [
      ['tag', 'a'],
      ['tag', 'b'],
    ],
    headers: [['content-type', 'application/json']],
    body: new TextEncoder().encode('{"n":1}'),
  };
  t.equal(header(http, 'Content-Type'), 'application/json');
  t.equal(header({ context: {} as never, http }, 'missing'), undefined);
  t.equal(queryParam(http, 'tag'), 'a');
  t.same(queryParams(http, 'tag'), ['a', 'b']);
  t.equal(readText(http), '{"n":1}');
  t.same(readJson(http), { n: 1 });
  t.equal(readText({ ...http, body: undefined }), '');
  t.throws(
    () => readJson({ ...http, body: undefined }),
    new HttpError(400, 'BAD_REQUEST', 'Expected a JSON body'),
  );
  t.throws(() => readJson({ ...http, body: new TextEncoder().encode('{') }), {
    status: 400,
    code: 'BAD_REQUEST',
  });
});
