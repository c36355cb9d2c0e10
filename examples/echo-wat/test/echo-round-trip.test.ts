// Builds the echo component from its WAT at test time, transpiles it with jco and calls it in-process.
import t from 'tap';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transpile } from '@bytecodealliance/jco';
import { HANDLER_EXPORT, type ExecuteRequest, type HttpResponse } from '@annex/sdk';
import {
  ECHO_CONTENT_TYPE,
  buildEchoComponent,
  decodeEchoFrame,
  encodeEchoFrame,
} from '@annex/example-echo-wat';

// @types/node 20 declares no WebAssembly global: the part this test uses.
declare const WebAssembly: {
  compile(bytes: Uint8Array): Promise<CoreModule>;
  instantiate(module: CoreModule, imports: object): Promise<CoreInstance>;
  Memory: abstract new () => { buffer: ArrayBuffer };
};
type CoreModule = object;
type CoreInstance = { exports: Record<string, unknown> };

type Instance = Record<string, { handle(req: ExecuteRequest): HttpResponse }>;
type Instantiate = (
  getCoreModule: (path: string) => Promise<CoreModule>,
  imports: Record<string, unknown>,
  instantiateCore: (module: CoreModule, imports: object) => Promise<CoreInstance>,
) => Promise<Instance>;

const workDir = await mkdtemp(join(tmpdir(), 'annex-echo-test-'));
t.teardown(() => rm(workDir, { recursive: true, force: true }));

const component = await buildEchoComponent();
const transpiled = await transpile(component, { name: 'echo', instantiation: 'async' });
for (const [name, data] of Object.entries(transpiled.files)) {
  await mkdir(dirname(join(workDir, name)), { recursive: true });
  await writeFile(join(workDir, name), data);
}
await writeFile(join(workDir, 'package.json'), '{"type":"module"}');
const { instantiate } = (await import(pathToFileURL(join(workDir, 'echo.js')).href)) as {
  instantiate: Instantiate;
};
const getCoreModule = async (path: string) => WebAssembly.compile(await readFile(join(workDir, path)));
// Keep hold of the core instance's memory to watch how far it grows.
let memory: { buffer: ArrayBuffer } | undefined;
const instance = await instantiate(getCoreModule, {}, async (module, imports) => {
  const core = await WebAssembly.instantiate(module, imports);
  if (core.exports.memory instanceof WebAssembly.Memory) memory = core.exports.memory;
  return core;
});
const handler = instance[HANDLER_EXPORT];
if (!handler) throw new Error('no handler export');

const context = {
  requestId: 'req-7f3a',
  tenantId: 'tenant.one:eu',
  extensionId: '6f1c2d8e-0000-4000-8000-000000000001',
  installId: '6f1c2d8e-0000-4000-8000-000000000002',
  version: '1.2.3-beta.1',
  contentHash: `sha256:${'ab'.repeat(32)}`,
};

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);

const request: ExecuteRequest = {
  context,
  http: {
    method: 'POST',
    path: '/items/42/ünïcödé/日本',
    query: [
      ['a', '1'],
      ['a', '2'],
      ['empty', ''],
      ['emoji', '🎉 and spaces'],
    ],
    headers: [
      ['content-type', 'application/octet-stream'],
      ['x-ext-trace', 'a'],
      ['x-ext-trace', 'b'],
      ['accept-language', 'fr-CH, fr;q=0.9'],
    ],
    body: allBytes,
  },
};

t.test('the component is small, imports nothing and exports the handler', async (t) => {
  t.ok(component.length < 16 * 1024, `${component.length} bytes`);
  t.same(transpiled.imports, []);
  t.same(
    transpiled.exports.map(([name]) => name),
    [HANDLER_EXPORT, 'annex:extension/handler@0.1.0'],
  );
});

t.test('method, path, query, headers, body and context round-trip exactly', async (t) => {
  const res = handler.handle(request);
  t.equal(res.status, 200);
  t.same(res.headers, [
    ['content-type', ECHO_CONTENT_TYPE],
    ['x-ext-echo-method', 'POST'],
    ['x-ext-echo-path', '/items/42/ünïcödé/日本'],
  ]);
  t.ok(res.body instanceof Uint8Array);
  t.same(decodeEchoFrame(res.body as Uint8Array), request);
  t.same(res.body, encodeEchoFrame(request), 'the frame is byte-exact');
});

t.test('no body and an empty body are told apart', async (t) => {
  const without = handler.handle({ context, http: { ...request.http, body: undefined } });
  t.equal(decodeEchoFrame(without.body as Uint8Array).http.body, undefined);
  const empty = handler.handle({ context, http: { ...request.http, body: new Uint8Array(0) } });
  t.same(decodeEchoFrame(empty.body as Uint8Array).http.body, new Uint8Array(0));
});

t.test('empty strings and lists', async (t) => {
  const blank: ExecuteRequest = {
    context: { requestId: '', tenantId: '', extensionId: '', installId: '', version: '', contentHash: '' },
    http: { method: '', path: '', query: [], headers: [] },
  };
  const res = handler.handle(blank);
  t.same(res.headers[1], ['x-ext-echo-method', '']);
  t.same(decodeEchoFrame(res.body as Uint8Array), { ...blank, http: { ...blank.http, body: undefined } });
});

t.test('memory grows for large requests and is reused across calls', async (t) => {
  // 3 MiB spans many 64 KiB pages; twenty calls would need 120 MiB if post-return freed nothing.
  const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7) & 0xff);
  const bigRequest = { context, http: { ...request.http, body: big } };
  const expected = Buffer.from(encodeEchoFrame(bigRequest));
  let exact = 0;
  for (let i = 0; i < 20; i++) {
    if (expected.equals(handler.handle(bigRequest).body as Uint8Array)) exact++;
  }
  t.equal(exact, 20);
  const pages = (memory?.buffer.byteLength ?? Infinity) / 65536;
  t.ok(pages < 160, `memory stays at ${pages} pages (2 requests' worth): post-return releases each call`);
  t.same(decodeEchoFrame(handler.handle(request).body as Uint8Array), request, 'small after large');
});

t.test('decodeEchoFrame rejects malformed frames', async (t) => {
  const frame = encodeEchoFrame(request);
  t.throws(() => decodeEchoFrame(frame.slice(0, frame.length - 1)), /truncated/);
  t.throws(() => decodeEchoFrame(Uint8Array.of(...frame, 0)), /trailing/);
});
