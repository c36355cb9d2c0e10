import t from 'tap';
import { json, route, type ExecuteRequest, type HttpResponse } from '@annex/sdk';

const context = {
  requestId: 'r',
  tenantId: 't',
  extensionId: 'e',
  installId: 'i',
  version: '1.0.0',
  contentHash: `sha256:${'0'.repeat(64)}`,
};
const req = (method: string, path: string): ExecuteRequest => ({
  context,
  http: { method, path, query: [], headers: [] },
});
const body = (res: HttpResponse) => JSON.parse(new TextDecoder().decode(res.body)) as unknown;
const header = (res: HttpResponse, name: string) => res.headers.find(([n]) => n === name)?.[1];

t.test('matches methods, literals and :params', async (t) => {
  const handle = route({
    'GET /items': () => json(200, 'list'),
    'POST /items': () => json(201, 'create'),
    'GET /items/:id': (_req, params) => json(200, { id: params.id }),
    'DELETE /items/:id/tags/:tag': (_req, { id, tag }) => json(200, { id, tag }),
    'GET /': () => json(200, 'root'),
  });
  t.same(body(handle(req('GET', '/items'))), 'list');
  t.equal(handle(req('POST', '/items')).status, 201);
  t.same(body(handle(req('GET', '/items/42'))), { id: '42' });
  t.same(body(handle(req('DELETE', '/items/7/tags/red'))), { id: '7', tag: 'red' });
  t.same(body(handle(req('GET', '/'))), 'root');
  t.same(body(handle(req('get', '/items'))), 'list', 'method case does not matter');
});

t.test('params are URL-decoded; malformed escapes pass through', async (t) => {
  const handle = route({ 'GET /hello/:name': (_req, { name }) => json(200, name) });
  t.same(body(handle(req('GET', '/hello/Zo%C3%AB%20A'))), 'Zoë A');
  t.same(body(handle(req('GET', '/hello/%E0%A4%A'))), '%E0%A4%A');
});

t.test(':param matches exactly one non-empty segment', async (t) => {
  const handle = route({ 'GET /items/:id': () => json(200, 'one') });
  t.equal(handle(req('GET', '/items/')).status, 404);
  t.equal(handle(req('GET', '/items')).status, 404);
  t.equal(handle(req('GET', '/items/1/2')).status, 404);
  t.equal(handle(req('GET', '/items/1/')).status, 404, 'a trailing slash is another path');
});

t.test('a literal segment wins over a parameter whatever the order', async (t) => {
  const handle = route({
    'GET /items/:id': (_req, { id }) => json(200, `item ${id}`),
    'GET /items/new': () => json(200, 'form'),
  });
  t.same(body(handle(req('GET', '/items/new'))), 'form');
  t.same(body(handle(req('GET', '/items/old'))), 'item old');
});

t.test('404 and 405', async (t) => {
  const handle = route({ 'GET /a': () => json(200, 1), 'PUT /a': () => json(200, 2) });
  const missing = handle(req('GET', '/b'));
  t.equal(missing.status, 404);
  t.same(body(missing), { error: { code: 'NOT_FOUND', message: 'No route for GET /b' } });
  const wrong = handle(req('DELETE', '/a'));
  t.equal(wrong.status, 405);
  t.equal(header(wrong, 'allow'), 'GET, PUT');
  t.match(body(wrong), { error: { code: 'METHOD_NOT_ALLOWED' } });

  const custom = route({ 'GET /a': () => json(200, 1) }, { notFound: () => json(418, 'teapot') });
  t.equal(custom(req('GET', '/zzz')).status, 418);
});

t.test('bad route keys fail when the router is made', async (t) => {
  const ok = () => json(200, null);
  t.throws(() => route({ 'GET items': ok }), /must look like/);
  t.throws(() => route({ 'HEAD /items': ok }), /method must be one of/);
  t.throws(() => route({ 'GET /items/:': ok }), /not a valid parameter/);
  t.throws(() => route({ 'GET /a/:x/:x': ok }), /appears twice/);
  t.throws(() => route({ 'GET /a/:x': ok, 'GET /a/:y': ok }), /match the same requests/);
});

t.test('params are typed from the key', async (t) => {
  const handle = route({
    'GET /a/:id': (_req, params) => {
      // @ts-expect-error only :id is declared
      void params.other;
      return json(200, params.id);
    },
  });
  t.same(body(handle(req('GET', '/a/1'))), '1');
});
