import t from 'tap';
import {
  HttpError,
  defineHandler,
  json,
  useHostBindings,
  type ExecuteRequest,
  type HostBindings,
  type HttpResponse,
  type LogLevel,
} from '@annex/sdk';

const req: ExecuteRequest = {
  context: {
    requestId: 'r',
    tenantId: 't',
    extensionId: 'e',
    installId: 'i',
    version: '1.0.0',
    contentHash: `sha256:${'0'.repeat(64)}`,
  },
  http: { method: 'GET', path: '/x', query: [], headers: [] },
};
const body = (res: HttpResponse) => JSON.parse(new TextDecoder().decode(res.body)) as unknown;

const lines: Array<[LogLevel, string]> = [];
useHostBindings({
  logging: { log: (level: LogLevel, message: string) => lines.push([level, message]) },
} as unknown as HostBindings);
t.beforeEach(() => {
  lines.length = 0;
});

t.test('passes responses through', async (t) => {
  const res = defineHandler(() => json(200, 'ok')).handle(req);
  t.same(body(res), 'ok');
});

t.test('an HttpError becomes its response', async (t) => {
  const res = defineHandler(() => {
    throw new HttpError(409, 'TAKEN', 'Already there', { 'x-ext-hint': 'rename' });
  }).handle(req);
  t.equal(res.status, 409);
  t.same(body(res), { error: { code: 'TAKEN', message: 'Already there' } });
  t.ok(res.headers.some(([n, v]) => n === 'x-ext-hint' && v === 'rename'));
  t.same(lines, []);
});

t.test('other errors become an opaque 500 and a log line', async (t) => {
  const res = defineHandler(() => {
    throw new Error('db password is hunter2');
  }).handle(req);
  t.equal(res.status, 500);
  t.same(body(res), {
    error: { code: 'EXTENSION_ERROR', message: 'The extension failed to handle the request' },
  });
  t.same(lines, [['error', 'unhandled error in GET /x {"error":"Error: db password is hunter2"}']]);
});

t.test('malformed responses are caught before they cross the boundary', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['a Promise', Promise.resolve(json(200, 1))],
    ['nothing', undefined],
    ['a bad status', { status: 99, headers: [] }],
    ['bad headers', { status: 200, headers: { a: 'b' } }],
    ['a string body', { status: 200, headers: [], body: 'text' }],
  ];
  for (const [what, value] of cases) {
    t.equal(defineHandler(() => value as HttpResponse).handle(req).status, 500, what);
  }
  t.match(lines[0]?.[1], /synchronously/);
  t.same(defineHandler(() => ({ status: 204 }) as HttpResponse).handle(req), {
    status: 204,
    headers: [],
    body: undefined,
  });
});
