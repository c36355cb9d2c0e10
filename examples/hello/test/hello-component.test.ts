// Builds hello with the SDK's buildComponent, transpiles it with jco and runs it in-process against
// an in-memory host: proves the host import names a runner must provide, and the handlers end to end.
import t from 'tap';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transpile } from '@bytecodealliance/jco';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import {
  HANDLER_EXPORT,
  HOST_IMPORTS,
  hostImportObject,
  type ExecuteRequest,
  type HttpResponse,
} from '@annex/sdk';
import { buildHelloComponent } from '@annex/example-hello';
import { inMemoryHost } from './in-memory-host.js';
import { bodyJson, headerOf, request, testContext } from './requests.js';

// @types/node 20 declares no WebAssembly global: the part this test uses.
declare const WebAssembly: { compile(bytes: Uint8Array): Promise<object> };

type Instance = Record<string, { handle(req: ExecuteRequest): HttpResponse }>;
type Instantiate = (
  getCoreModule: (path: string) => Promise<object>,
  imports: Record<string, unknown>,
) => Promise<Instance>;

const workDir = await mkdtemp(join(tmpdir(), 'annex-hello-test-'));
t.teardown(() => rm(workDir, { recursive: true, force: true }));
const outFile = join(workDir, 'main.wasm');

// One build per file (~6-30 s); a second call must come from the build cache.
const built = await buildHelloComponent({ outFile, cache: true });
const component = await readFile(outFile);

const transpiled = await transpile(component, { name: 'hello', instantiation: 'async' });
const glueDir = join(workDir, 'glue');
for (const [name, data] of Object.entries(transpiled.files)) {
  await mkdir(dirname(join(glueDir, name)), { recursive: true });
  await writeFile(join(glueDir, name), data);
}
await writeFile(join(glueDir, 'package.json'), '{"type":"module"}');
const { instantiate } = (await import(pathToFileURL(join(glueDir, 'hello.js')).href)) as {
  instantiate: Instantiate;
};
const getCoreModule = async (path: string) => WebAssembly.compile(await readFile(join(glueDir, path)));
const wasi = new WASIShim({
  sandbox: { preopens: {}, env: {}, args: [], enableNetwork: false },
}).getImportObject();

async function start(host = inMemoryHost({ config: { greeting: 'Howdy' }, context: testContext })) {
  const instance = await instantiate(getCoreModule, { ...wasi, ...hostImportObject(host) });
  const handler = instance[HANDLER_EXPORT];
  if (!handler) throw new Error('no handler export');
  return { host, handle: (req: ExecuteRequest) => handler.handle(req) };
}

t.test('the build', async (t) => {
  t.equal(built.cached, false);
  t.match(built.sha256, /^sha256:[0-9a-f]{64}$/);
  t.equal(built.size, component.length);
  t.ok(built.imports.some(([iface, fn]) => iface === 'annex:extension/kv@0.1.0' && fn === 'get'));
  const again = await buildHelloComponent({ outFile, cache: true });
  t.equal(again.cached, true, 'unchanged inputs reuse the component');
  t.equal(again.sha256, built.sha256);
});

t.test('the imports a runner must provide', async (t) => {
  t.same(
    [...transpiled.imports].sort(),
    [
      ...Object.values(HOST_IMPORTS),
      'wasi:cli/stderr',
      'wasi:clocks/monotonic-clock',
      'wasi:clocks/wall-clock',
      'wasi:io/error',
      'wasi:io/poll',
      'wasi:io/streams',
      'wasi:random/random',
    ].sort(),
  );
  t.same(
    transpiled.exports.map(([name]) => name),
    [HANDLER_EXPORT, 'annex:extension/handler@0.1.0'],
  );
});

t.test('GET /hello/:name greets with the configured greeting and counts visits in kv', async (t) => {
  const { host, handle } = await start();
  const first = handle(request('GET', '/hello/Ada'));
  t.equal(first.status, 200);
  t.equal(headerOf(first, 'content-type'), 'application/json; charset=utf-8');
  t.same(bodyJson(first), { message: 'Howdy, Ada!', visits: 1 });
  t.same(bodyJson(handle(request('GET', '/hello/Ada'))), { message: 'Howdy, Ada!', visits: 2 });
  t.same(bodyJson(handle(request('GET', '/hello/Zo%C3%AB'))), { message: 'Howdy, Zoë!', visits: 1 });

  const entry = host.store.get('visits:Ada');
  t.equal(entry?.revision, 2n);
  t.equal(new TextDecoder().decode(entry?.value), '2');
  t.same(host.lines, [
    ['info', 'greeted Ada {"visits":1}'],
    ['info', 'greeted Ada {"visits":2}'],
    ['info', 'greeted Zoë {"visits":1}'],
  ]);

  host.setConfig({});
  t.same(
    bodyJson(handle(request('GET', '/hello/Bo'))),
    { message: 'Hello, Bo!', visits: 1 },
    'default greeting',
  );
});

t.test('POST, GET and DELETE /notes', async (t) => {
  const { host, handle } = await start();
  const created = handle(request('POST', '/notes', { text: 'buy milk ☕' }));
  t.equal(created.status, 201);
  t.equal(headerOf(created, 'location'), '/notes/1');
  const note = bodyJson(created) as { id: number; text: string; createdAt: string };
  t.equal(note.id, 1);
  t.equal(note.text, 'buy milk ☕');
  t.ok(Number.isFinite(Date.parse(note.createdAt)), 'the guest has a clock');
  t.same(JSON.parse(new TextDecoder().decode(host.store.get('note:1')?.value)), note);

  for (const text of ['second', 'third']) t.equal(handle(request('POST', '/notes', { text })).status, 201);
  const listed = bodyJson(handle(request('GET', '/notes'))) as { items: Array<{ id: number; text: string }> };
  t.same(
    listed.items.map((n) => [n.id, n.text]),
    [
      [1, 'buy milk ☕'],
      [2, 'second'],
      [3, 'third'],
    ],
    'all pages of keys are read',
  );

  const invalid = handle(request('POST', '/notes', { text: '' }));
  t.equal(invalid.status, 400);
  t.match(bodyJson(invalid), { error: { code: 'BAD_REQUEST' } });
  t.match(bodyJson(handle(request('POST', '/notes', '{nope'))), { error: { code: 'BAD_REQUEST' } });

  t.equal(handle(request('DELETE', '/notes/2')).status, 204);
  t.equal(host.store.has('note:2'), false);
  t.equal(handle(request('DELETE', '/notes/2')).status, 404);
  t.same(host.lines.at(-1), ['info', 'note deleted {"id":2}']);
});

t.test('routing misses', async (t) => {
  const { handle } = await start();
  t.match(bodyJson(handle(request('GET', '/nothing'))), { error: { code: 'NOT_FOUND' } });
  const wrongMethod = handle(request('PUT', '/notes'));
  t.equal(wrongMethod.status, 405);
  t.equal(headerOf(wrongMethod, 'allow'), 'GET, POST');
});

t.test('a denied capability becomes a 500 and a log line, and the instance stays usable', async (t) => {
  const host = inMemoryHost({ context: testContext });
  for (const name of ['get', 'set', 'delete', 'list'] as const) {
    host.kv[name] = () => {
      throw 'denied';
    };
  }
  const { handle } = await start(host);
  const res = handle(request('GET', '/hello/Ada'));
  t.equal(res.status, 500);
  t.same(bodyJson(res), {
    error: { code: 'EXTENSION_ERROR', message: 'The extension failed to handle the request' },
  });
  t.same(host.lines, [
    [
      'error',
      'unhandled error in GET /hello/Ada {"error":"HostError: kv: denied","interface":"kv","code":"denied"}',
    ],
  ]);
  t.equal(handle(request('GET', '/notes')).status, 500, 'the next call runs too');
});
