/**
 * `pnpm bench execute` (or `node --import=tsx bench/execute.ts` after `pnpm build`): the runner's
 * `POST /v1/execute` on this machine, against a limit and a peer measured in the same run (SPEC
 * section 9), written to bench/results/execute.json.
 *
 * - Warm: the WAT echo and the JS hello example (a route that runs only JavaScript, and
 *   `GET /hello/:name`, which reads and writes KV and logs), 32 keep-alive connections for 5 s after
 *   2 s of warm-up, against
 *   - a bare Fastify route answering the very bytes the runner answered (the limit of any Fastify
 *     service here), and
 *   - `jco serve` (the peer) running a `wasi:http/proxy` component built from hello's own handler
 *     source (and, for the echo, a hand-written WAT `wasi:http` echo).
 * - Cold: the first execute of a freshly published hash (store fetch, verification, unpack,
 *   transpile, memory patch, compile, instantiate, call) against a bare in-process transpile +
 *   compile + instantiate + call of the same component.
 *
 * The runner runs in this process (2 workers; PostgreSQL when one is reachable, else PGlite;
 * ANNEX_TEST_DB=pglite|postgres decides);
 * the load generator runs in a child process so it does not share the runner's event loop. Quotas
 * are off (EXT_QUOTA_*=0): this measures throughput, not the per-minute budget.
 *
 * The peer's toolchain (jco, componentize-js, esbuild) is installed from npm at run time into
 * node_modules/.cache/annex-bench/jco and reused; the peer components are cached there too.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transpileBytes } from '@bytecodealliance/jco-transpile';
import { packBundle } from '@annex/bundle';
import { loadConfig } from '@annex/config';
import { buildEchoComponent } from '@annex/example-echo-wat';
import { buildHelloComponent, helloDir } from '@annex/example-hello';
import { buildRunnerApp } from '@annex/runner';
import { createBundleStore } from '@annex/store';
import {
  createTestDatabase,
  postgresAdminUrl,
  seedInstall,
  tcpReachable,
  testDatabaseKind,
} from '@annex/test-support';
import Fastify from 'fastify';
import type { LoadFigures, LoadOptions } from './lib/load.js';
import { row, writeResult, type BenchRow } from './lib/report.js';
import { freePort } from './lib/services.js';

declare const WebAssembly: {
  compile(bytes: Uint8Array): Promise<object>;
  Instance: new (module: object, imports: object) => object;
};

const root = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = 'measure-token-0123456789';
const LOAD = { connections: 32, seconds: 5, warmupSeconds: 2 } as const;
/** Throughput, not quotas: every per-minute budget off (0 = unlimited). */
const QUOTAS_OFF = {
  EXT_QUOTA_INVOCATIONS_PER_MINUTE: '0',
  EXT_QUOTA_CPU_MS_PER_MINUTE: '0',
  EXT_QUOTA_MEM_MB_MS_PER_MINUTE: '0',
  EXT_GATEWAY_RATE_LIMIT: '0',
};
const started = performance.now();
const log = (message: string) =>
  process.stdout.write(`[execute ${((performance.now() - started) / 1000).toFixed(0)} s] ${message}\n`);

// ---------------------------------------------------------------------------------------------
// Small helpers: child processes, free ports, HTTP, the load generator off the main thread.

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${(err || out).slice(-3000)}`)),
    );
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

function send(
  url: string,
  options: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: options.method ?? 'GET',
        agent,
        headers: {
          ...(options.body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(options.body) }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

// The load generator (bench/lib/load.ts, autocannon) in a child process: it then has its own event
// loop instead of sharing the runner's main thread, as a separate client would. (Not a worker
// thread: autocannon takes itself for one of its own workers there.) With `vary`, every `@N@` in the
// path and body becomes a counter, so each request names something new (no hot KV key).
const LOAD_CHILD = `import { load } from ${JSON.stringify(new URL('./lib/load.ts', import.meta.url).href)};
const [url, options, vary] = JSON.parse(process.argv[1]);
if (vary) {
  let n = 0;
  options.requests = [{
    method: options.method ?? 'GET',
    path: new URL(url).pathname,
    headers: options.headers ?? {},
    ...(options.body === undefined ? {} : { body: options.body }),
    setupRequest: (req) => {
      const id = String(n++);
      return { ...req, path: req.path.replaceAll('@N@', id), ...(typeof req.body === 'string' ? { body: req.body.replaceAll('@N@', id) } : {}) };
    },
  }];
}
process.stdout.write(JSON.stringify(await load(url, options)));`;

async function loadInChild(url: string, options: LoadOptions, vary = false): Promise<LoadFigures> {
  const args = JSON.stringify([url, { ...LOAD, ...options }, vary]);
  const out = await run(
    process.execPath,
    ['--import=tsx', '--input-type=module', '-e', LOAD_CHILD, args],
    root,
  );
  return JSON.parse(out) as LoadFigures;
}

// ---------------------------------------------------------------------------------------------
// The peer: jco serve, its toolchain installed from npm at run time, components built from source.

const PEER_DIR = join(root, 'node_modules', '.cache', 'annex-bench', 'jco');
/**
 * The versions the workspace itself uses (examples/hello, packages/sdk), so both sides run the same
 * jco. preview2-shim is listed because componentize-js imports it without declaring it.
 */
const PEER_PACKAGES = {
  '@bytecodealliance/jco': '1.35.0',
  '@bytecodealliance/componentize-js': '0.23.0',
  '@bytecodealliance/preview2-shim': '0.26.1',
  esbuild: '0.28.2',
};
const JCO_CLI = join(PEER_DIR, 'node_modules', '@bytecodealliance', 'jco', 'dist', 'jco.js');

/**
 * `npm install` into a private folder with its own package.json (a bare `npm install --no-save`
 * there prunes what an earlier one installed). .npmrc has yes=false (no npx); nothing is saved in
 * the workspace. Done once; later runs find the same package.json and skip it.
 */
async function ensurePeerToolchain(): Promise<{ installedNow: boolean; seconds: number }> {
  const t0 = performance.now();
  const manifest = `${JSON.stringify({ name: 'annex-bench-jco-peer', private: true, dependencies: PEER_PACKAGES }, null, 2)}\n`;
  const manifestFile = join(PEER_DIR, 'package.json');
  const marker = join(PEER_DIR, 'node_modules', '.annex-bench-installed');
  if (existsSync(marker) && existsSync(JCO_CLI) && (await readFile(marker, 'utf8')) === manifest) {
    return { installedNow: false, seconds: 0 };
  }
  await mkdir(PEER_DIR, { recursive: true });
  await writeFile(manifestFile, manifest);
  await run('npm', ['install', '--prefix', PEER_DIR, '--no-audit', '--no-fund'], PEER_DIR);
  await writeFile(marker, manifest);
  return { installedNow: true, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Builds a `wasi:http/proxy` component, run as a child process in the toolchain's folder so its
 * packages resolve there: from a JS module with esbuild + componentize-js (StarlingMonkey), or from
 * a WAT core module with jco's `parse` + `componentEmbed` + `componentNew`. componentize-js ships no
 * WASI WIT, so the proxy world is taken from jco's built-in wasi WIT with the version rewritten to
 * the one the StarlingMonkey engine was built against (its imports must match it exactly);
 * `@WASI_VERSION@` in a source becomes that version. The result is cached in the toolchain's folder
 * by a hash of the source, the WIT and the versions.
 */
const BUILD_PEER_SCRIPT = `
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const [entry, outDir] = process.argv.slice(2);
const t0 = performance.now();
const wat = entry.endsWith('.wat');

const cjsDir = dirname(fileURLToPath(import.meta.resolve('@bytecodealliance/componentize-js')));
const cjsVersion = JSON.parse(await readFile(join(cjsDir, '..', 'package.json'), 'utf8')).version;
const engine = (await readFile(join(cjsDir, '..', 'lib', 'starlingmonkey_embedding.wasm'))).toString('latin1');
const wasiVersion = /wasi:http\\/incoming-handler@(0\\.2\\.\\d+)/.exec(engine)[1];
const builtin = join(dirname(fileURLToPath(import.meta.resolve('@bytecodealliance/jco'))), '..', 'lib', 'wit', 'builtin');
const from = (await readdir(builtin)).filter((d) => d.startsWith('0.2.')).sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2])).pop();
const rewrite = async (pkg) => (await readFile(join(builtin, from, pkg, 'package.wit'), 'utf8')).replaceAll('@' + from, '@' + wasiVersion);
const wit = { 'http.wit': await rewrite('wasi-http') };
for (const pkg of ['cli', 'clocks', 'filesystem', 'io', 'random', 'sockets']) wit['deps/' + pkg + '.wit'] = await rewrite('wasi-' + pkg);

let source;
if (wat) {
  source = await readFile(entry, 'utf8');
} else {
  const bundled = await build({
    entryPoints: [entry], bundle: true, write: false, format: 'esm', platform: 'neutral',
    target: 'es2022', mainFields: ['module', 'main'], legalComments: 'none', logLevel: 'silent',
    external: ['wasi:*'],
  });
  source = bundled.outputFiles[0].text;
}
source = source.replaceAll('@WASI_VERSION@', wasiVersion);

const key = createHash('sha256').update(JSON.stringify([source, wit, cjsVersion])).digest('hex').slice(0, 16);
const name = entry.replace(/^.*\\//, '').replace(/\\.[a-z]+$/, '');
const outFile = join(outDir, name + '-' + key + '.wasm');
const cached = existsSync(outFile);
if (!cached) {
  const witDir = join(outDir, 'wit-' + key);
  for (const [file, text] of Object.entries(wit)) {
    await mkdir(dirname(join(witDir, file)), { recursive: true });
    await writeFile(join(witDir, file), text);
  }
  // preview2-shim 0.2x has no default preopens: give the WIT readers the file system.
  const fs = await import('@bytecodealliance/preview2-shim/filesystem');
  fs._setPreopens?.({ '/': '/' });
  let component;
  if (wat) {
    const { parse, componentEmbed, componentNew } = await import('@bytecodealliance/jco');
    const core = await parse(source);
    component = await componentNew(await componentEmbed({ binary: core, witPath: witDir, world: 'proxy', stringEncoding: 'utf8' }));
  } else {
    await writeFile(join(outDir, name + '.bundled.js'), source);
    const { componentize } = await import('@bytecodealliance/componentize-js');
    component = (await componentize({ sourcePath: join(outDir, name + '.bundled.js'), witPath: witDir, worldName: 'proxy' })).component;
  }
  await writeFile(outFile + '.tmp', component);
  await rename(outFile + '.tmp', outFile);
}
console.log(JSON.stringify({ file: outFile, cached, ms: Math.round(performance.now() - t0), wasiVersion, componentizeJs: cjsVersion }));
`;

/**
 * The hello peer: examples/hello's own `handler` (its router and route handlers, unchanged) exported
 * as `wasi:http/incoming-handler`. What the runner's host provides is played by an in-memory host
 * inside the guest: KV is a Map (the runner's goes to the database through the worker bridge), log
 * lines are dropped, config is `{}` as in the runner's install.
 *
 * The handler is written against wasi:http's types rather than StarlingMonkey's fetch event: the
 * fetch event serves one request per instance (a second `handle` on the same instance fails with
 * "respondWith can't be called twice"), so under `jco serve`, which keeps one instance, only an
 * explicit `incomingHandler` export stays warm like the runner's instances do.
 */
function helloProxySource(): string {
  const sdk = join(root, 'packages', 'sdk', 'dist', 'index.js');
  const entry = join(helloDir, 'src', 'index.ts');
  return `import { handler } from ${JSON.stringify(entry)};
import { useHostBindings } from ${JSON.stringify(sdk)};
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@@WASI_VERSION@';

const store = new Map();
const context = {
  requestId: 'jco-serve', tenantId: 't1', version: '1.0.0',
  extensionId: '00000000-0000-4000-8000-000000000001', installId: '00000000-0000-4000-8000-000000000002',
  contentHash: 'sha256:${'0'.repeat(64)}',
};
useHostBindings({
  context: { get: () => context, user: () => undefined },
  logging: { log() {} },
  config: { get: () => '{}' },
  secrets: { get() { throw 'denied'; }, list() { throw 'denied'; } },
  kv: {
    get(key) {
      const entry = store.get(key);
      return entry && { value: entry.value.slice(), revision: entry.revision };
    },
    set(key, value, { expectedRevision }) {
      const current = store.get(key)?.revision ?? 0n;
      if (expectedRevision !== undefined && expectedRevision !== current) throw 'conflict';
      store.set(key, { value: value.slice(), revision: current + 1n });
      return current + 1n;
    },
    delete(key, expectedRevision) {
      const entry = store.get(key);
      if (expectedRevision !== undefined && expectedRevision !== (entry?.revision ?? 0n)) throw 'conflict';
      return store.delete(key);
    },
    list(prefix, cursor, limit) {
      const keys = [...store.keys()].filter((k) => k.startsWith(prefix) && (cursor === undefined || k > cursor)).sort();
      const page = keys.slice(0, limit);
      return page.length < keys.length ? { keys: page, cursor: page[page.length - 1] } : { keys: page };
    },
  },
  http: { fetch() { throw { tag: 'denied' }; } },
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function readBody(incomingRequest) {
  const body = incomingRequest.consume();
  const stream = body.stream();
  const chunks = [];
  let size = 0;
  for (;;) {
    let chunk;
    try {
      chunk = stream.blockingRead(65536n);
    } catch (err) {
      // componentize-js throws a ComponentError carrying the WIT error value as its payload.
      if ((err?.payload ?? err)?.tag === 'closed') break;
      throw err;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  stream[Symbol.dispose]();
  body[Symbol.dispose]();
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

export const incomingHandler = {
  handle(incomingRequest, responseOutparam) {
    const m = incomingRequest.method();
    const method = (m.tag === 'other' ? m.val : m.tag).toUpperCase();
    const target = new URL(incomingRequest.pathWithQuery() ?? '/', 'http://guest');
    const headers = incomingRequest.headers().entries().map(([name, value]) => [name, decoder.decode(value)]);
    const bytes = method === 'GET' || method === 'HEAD' ? undefined : readBody(incomingRequest);
    const res = handler.handle({
      context,
      http: {
        method,
        path: target.pathname,
        query: [...target.searchParams],
        headers,
        body: bytes && bytes.length > 0 ? bytes : undefined,
      },
    });

    const response = new OutgoingResponse(Fields.fromList(res.headers.map(([n, v]) => [n, encoder.encode(v)])));
    response.setStatusCode(res.status);
    const body = response.body();
    const out = body.write();
    const data = res.body ?? new Uint8Array(0);
    for (let at = 0; at < data.length; at += 4096) out.blockingWriteAndFlush(data.subarray(at, at + 4096));
    out[Symbol.dispose]();
    OutgoingBody.finish(body, undefined);
    ResponseOutparam.set(responseOutparam, { tag: 'ok', val: response });
  },
};
`;
}

/**
 * The echo peer: examples/echo-wat's idea written for `wasi:http/proxy` by hand (a core module
 * wrapped with jco). It reads what an HTTP request has (method, path with query, headers, body)
 * through wasi:http's resources and answers the same status, headers and echo frame layout as
 * echo.wat; the frame's six context strings are empty, since a wasi:http request carries no tenant,
 * install or content hash.
 */
const ECHO_HTTP_WAT = String.raw`;; The echo as a wasi:http/proxy component (the jco serve peer of examples/echo-wat): answers 200 with
;; \`content-type: application/vnd.annex.echo\`, \`x-ext-echo-method\`, \`x-ext-echo-path\` and the echo
;; frame of examples/echo-wat (context strings empty: an HTTP request has none; the path with its
;; query; query-count 0; the request headers; the body), written through wasi:http's resources.
(module
  (import "wasi:http/types@@WASI_VERSION@" "[method]incoming-request.method" (func $req_method (param i32 i32)))
  (import "wasi:http/types@@WASI_VERSION@" "[method]incoming-request.path-with-query" (func $req_path (param i32 i32)))
  (import "wasi:http/types@@WASI_VERSION@" "[method]incoming-request.headers" (func $req_headers (param i32) (result i32)))
  (import "wasi:http/types@@WASI_VERSION@" "[method]incoming-request.consume" (func $req_consume (param i32 i32)))
  (import "wasi:http/types@@WASI_VERSION@" "[method]fields.entries" (func $fields_entries (param i32 i32)))
  (import "wasi:http/types@@WASI_VERSION@" "[method]incoming-body.stream" (func $body_stream (param i32 i32)))
  (import "wasi:io/streams@@WASI_VERSION@" "[method]input-stream.blocking-read" (func $read (param i32 i64 i32)))
  (import "wasi:io/streams@@WASI_VERSION@" "[resource-drop]input-stream" (func $drop_input (param i32)))
  (import "wasi:http/types@@WASI_VERSION@" "[resource-drop]incoming-body" (func $drop_in_body (param i32)))
  (import "wasi:http/types@@WASI_VERSION@" "[resource-drop]fields" (func $drop_fields (param i32)))
  (import "wasi:http/types@@WASI_VERSION@" "[resource-drop]incoming-request" (func $drop_request (param i32)))
  (import "wasi:http/types@@WASI_VERSION@" "[constructor]fields" (func $fields_new (result i32)))
  (import "wasi:http/types@@WASI_VERSION@" "[method]fields.append" (func $fields_append (param i32 i32 i32 i32 i32 i32)))
  (import "wasi:http/types@@WASI_VERSION@" "[constructor]outgoing-response" (func $response_new (param i32) (result i32)))
  (import "wasi:http/types@@WASI_VERSION@" "[method]outgoing-response.set-status-code" (func $set_status (param i32 i32) (result i32)))
  (import "wasi:http/types@@WASI_VERSION@" "[method]outgoing-response.body" (func $response_body (param i32 i32)))
  (import "wasi:http/types@@WASI_VERSION@" "[method]outgoing-body.write" (func $body_write (param i32 i32)))
  (import "wasi:io/streams@@WASI_VERSION@" "[method]output-stream.blocking-write-and-flush" (func $write (param i32 i32 i32 i32)))
  (import "wasi:io/streams@@WASI_VERSION@" "[resource-drop]output-stream" (func $drop_output (param i32)))
  (import "wasi:http/types@@WASI_VERSION@" "[static]outgoing-body.finish" (func $body_finish (param i32 i32 i32 i32)))
  (import "wasi:http/types@@WASI_VERSION@" "[static]response-outparam.set" (func $outparam_set (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))

  (memory (export "memory") 1)

  (data (i32.const 16) "content-type")                ;; 12 bytes
  (data (i32.const 32) "application/vnd.annex.echo")  ;; 26 bytes
  (data (i32.const 64) "x-ext-echo-method")           ;; 17 bytes
  (data (i32.const 96) "x-ext-echo-path")             ;; 15 bytes
  ;; Method names by wasi:http \`method\` case (get head post put delete connect options trace patch).
  (data (i32.const 128) "GETHEADPOSTPUTDELETECONNECTOPTIONSTRACEPATCH")
  ;; (offset, length) of each name above, 8 bytes per case.
  (data (i32.const 176)
    "\80\00\00\00\03\00\00\00" "\83\00\00\00\04\00\00\00" "\87\00\00\00\04\00\00\00"
    "\8b\00\00\00\03\00\00\00" "\8e\00\00\00\06\00\00\00" "\94\00\00\00\07\00\00\00"
    "\9b\00\00\00\07\00\00\00" "\a2\00\00\00\05\00\00\00" "\a7\00\00\00\05\00\00\00")
  ;; 256..320: return areas for the host's answers.

  (global $heap (mut i32) (i32.const 1024))

  (func $alloc (param $align i32) (param $size i32) (result i32)
    (local $ptr i32)
    (local $end i32)
    (local.set $ptr
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq
              (memory.grow
                (i32.sub
                  (i32.shr_u (i32.add (local.get $end) (i32.const 65535)) (i32.const 16))
                  (memory.size)))
              (i32.const -1))
          (then unreachable))))
    (global.set $heap (local.get $end))
    (local.get $ptr))

  (func (export "cabi_realloc")
    (param $old i32) (param $old_size i32) (param $align i32) (param $new_size i32) (result i32)
    (local $new i32)
    (local.set $new (call $alloc (local.get $align) (local.get $new_size)))
    (if (local.get $old_size)
      (then (memory.copy (local.get $new) (local.get $old) (local.get $old_size))))
    (local.get $new))

  (func $put_u32 (param $at i32) (param $value i32) (result i32)
    (i32.store align=1 (local.get $at) (local.get $value))
    (i32.add (local.get $at) (i32.const 4)))

  ;; Length-prefixed bytes.
  (func $put_bytes (param $at i32) (param $ptr i32) (param $len i32) (result i32)
    (local.set $at (call $put_u32 (local.get $at) (local.get $len)))
    (memory.copy (local.get $at) (local.get $ptr) (local.get $len))
    (i32.add (local.get $at) (local.get $len)))

  (func (export "wasi:http/incoming-handler@@WASI_VERSION@#handle") (param $request i32) (param $outparam i32)
    (local $method_ptr i32) (local $method_len i32)
    (local $path_ptr i32) (local $path_len i32)
    (local $fields i32) (local $entries i32) (local $count i32)
    (local $in_body i32) (local $stream i32)
    (local $body_ptr i32) (local $body_len i32)
    (local $size i32) (local $frame i32) (local $at i32) (local $p i32) (local $end i32)
    (local $headers i32) (local $response i32) (local $out_body i32) (local $out i32)
    (global.set $heap (i32.const 1024))

    ;; Method: a known case names itself from the table, \`other\` carries its string.
    (call $req_method (local.get $request) (i32.const 256))
    (if (i32.eq (i32.load8_u (i32.const 256)) (i32.const 9))
      (then
        (local.set $method_ptr (i32.load (i32.const 260)))
        (local.set $method_len (i32.load (i32.const 264))))
      (else
        (local.set $p (i32.add (i32.const 176) (i32.shl (i32.load8_u (i32.const 256)) (i32.const 3))))
        (local.set $method_ptr (i32.load (local.get $p)))
        (local.set $method_len (i32.load offset=4 (local.get $p)))))

    ;; Path with query (none: "/").
    (call $req_path (local.get $request) (i32.const 256))
    (if (i32.load8_u (i32.const 256))
      (then
        (local.set $path_ptr (i32.load (i32.const 260)))
        (local.set $path_len (i32.load (i32.const 264))))
      (else
        (local.set $path_ptr (i32.add (i32.const 128) (i32.const 0)))
        (local.set $path_len (i32.const 0))))

    ;; Headers: list<tuple<string, list<u8>>>, 16 bytes an entry.
    (local.set $fields (call $req_headers (local.get $request)))
    (call $fields_entries (local.get $fields) (i32.const 256))
    (local.set $entries (i32.load (i32.const 256)))
    (local.set $count (i32.load (i32.const 260)))
    (call $drop_fields (local.get $fields))

    ;; Body: read to the end. Chunks land one after another in the bump heap (align 1).
    (call $req_consume (local.get $request) (i32.const 256))
    (if (i32.eqz (i32.load8_u (i32.const 256)))
      (then
        (local.set $in_body (i32.load (i32.const 260)))
        (call $body_stream (local.get $in_body) (i32.const 256))
        (local.set $stream (i32.load (i32.const 260)))
        (local.set $body_ptr (global.get $heap))
        (block $done
          (loop $next
            (call $read (local.get $stream) (i64.const 65536) (i32.const 256))
            (br_if $done (i32.load8_u (i32.const 256)))
            (if (i32.ne (i32.load (i32.const 260)) (i32.add (local.get $body_ptr) (local.get $body_len)))
              (then
                (if (i32.load (i32.const 264)) (then unreachable))))
            (local.set $body_len (i32.add (local.get $body_len) (i32.load (i32.const 264))))
            (br $next)))
        (call $drop_input (local.get $stream))
        (call $drop_in_body (local.get $in_body))))
    (call $drop_request (local.get $request))

    ;; The frame: 6 empty context strings, method, path, query-count 0, headers, body.
    (local.set $size (i32.add (i32.const 24) (i32.add (local.get $method_len) (local.get $path_len))))
    (local.set $size (i32.add (local.get $size) (i32.const 21)))
    (local.set $size (i32.add (local.get $size) (local.get $body_len)))
    (local.set $p (local.get $entries))
    (local.set $end (i32.add (local.get $entries) (i32.shl (local.get $count) (i32.const 4))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $size
          (i32.add (local.get $size)
            (i32.add (i32.const 8)
              (i32.add (i32.load offset=4 (local.get $p)) (i32.load offset=12 (local.get $p))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    (local.set $frame (call $alloc (i32.const 1) (local.get $size)))
    (memory.fill (local.get $frame) (i32.const 0) (i32.const 24))
    (local.set $at (i32.add (local.get $frame) (i32.const 24)))
    (local.set $at (call $put_bytes (local.get $at) (local.get $method_ptr) (local.get $method_len)))
    (local.set $at (call $put_bytes (local.get $at) (local.get $path_ptr) (local.get $path_len)))
    (local.set $at (call $put_u32 (local.get $at) (i32.const 0)))
    (local.set $at (call $put_u32 (local.get $at) (local.get $count)))
    (local.set $p (local.get $entries))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $at (call $put_bytes (local.get $at) (i32.load (local.get $p)) (i32.load offset=4 (local.get $p))))
        (local.set $at (call $put_bytes (local.get $at) (i32.load offset=8 (local.get $p)) (i32.load offset=12 (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    (if (local.get $body_len)
      (then
        (i32.store8 (local.get $at) (i32.const 1))
        (local.set $at (call $put_bytes (i32.add (local.get $at) (i32.const 1)) (local.get $body_ptr) (local.get $body_len))))
      (else
        (i32.store8 (local.get $at) (i32.const 0))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))))

    ;; The response: headers, status, body, then hand it over.
    (local.set $headers (call $fields_new))
    (call $fields_append (local.get $headers) (i32.const 16) (i32.const 12) (i32.const 32) (i32.const 26) (i32.const 256))
    (call $fields_append (local.get $headers) (i32.const 64) (i32.const 17) (local.get $method_ptr) (local.get $method_len) (i32.const 256))
    (call $fields_append (local.get $headers) (i32.const 96) (i32.const 15) (local.get $path_ptr) (local.get $path_len) (i32.const 256))
    (local.set $response (call $response_new (local.get $headers)))
    (drop (call $set_status (local.get $response) (i32.const 200)))
    (call $response_body (local.get $response) (i32.const 256))
    (local.set $out_body (i32.load (i32.const 260)))
    (call $body_write (local.get $out_body) (i32.const 256))
    (local.set $out (i32.load (i32.const 260)))
    (local.set $p (local.get $frame))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $at)))
        (local.set $size (i32.sub (local.get $at) (local.get $p)))
        (if (i32.gt_u (local.get $size) (i32.const 4096)) (then (local.set $size (i32.const 4096))))
        (call $write (local.get $out) (local.get $p) (local.get $size) (i32.const 256))
        (local.set $p (i32.add (local.get $p) (local.get $size)))
        (br $next)))
    (call $drop_output (local.get $out))
    (call $body_finish (local.get $out_body) (i32.const 0) (i32.const 0) (i32.const 256))
    (call $outparam_set (local.get $outparam)
      (i32.const 0) (local.get $response) (i32.const 0) (i64.const 0)
      (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))
)
`;

/** Builds (or finds cached) a peer component from `source`, saved as `file` (`*.js` or `*.wat`). */
async function buildPeerComponent(
  file: string,
  source: string,
): Promise<{ file: string; cached: boolean; ms: number; wasiVersion: string; componentizeJs: string }> {
  const work = join(PEER_DIR, 'peer');
  await mkdir(work, { recursive: true });
  await writeFile(join(PEER_DIR, 'build-peer.mjs'), BUILD_PEER_SCRIPT);
  await writeFile(join(work, file), source);
  const out = await run(
    process.execPath,
    [join(PEER_DIR, 'build-peer.mjs'), join(work, file), work],
    PEER_DIR,
  );
  const lastLine = out.trim().split('\n').pop() ?? '';
  return JSON.parse(lastLine) as Awaited<ReturnType<typeof buildPeerComponent>>;
}

/** `jco serve <component> --port --host` in its own process group (jco serve spawns a child node). */
async function startJcoServe(
  component: string,
): Promise<{ url: string; startMs: number; stop(): Promise<void> }> {
  const t0 = performance.now();
  const port = await freePort();
  const jcoDir = await mkdtemp(join(tmpdir(), 'annex-bench-jco-serve-'));
  const child = spawn(
    process.execPath,
    [JCO_CLI, 'serve', component, '--port', String(port), '--host', '127.0.0.1', '--jco-dir', jcoDir],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`jco serve did not start in 60 s:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (/Server listening @/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`jco serve exited:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    startMs: performance.now() - t0,
    stop: async () => {
      killGroup('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      killGroup('SIGKILL');
      process.off('exit', onExit);
      await rm(jcoDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The runner, in this process.

// PostgreSQL when one is reachable (what production runs), else the embedded PGlite; ANNEX_TEST_DB
// (pglite | postgres) decides when set.
if (process.env.ANNEX_TEST_DB === undefined && (await tcpReachable(postgresAdminUrl()))) {
  process.env.ANNEX_TEST_DB = 'postgres';
}
const dir = await mkdtemp(join(tmpdir(), 'annex-bench-execute-'));
const database = await createTestDatabase();
const config = loadConfig(
  'runner',
  {
    DATA_DIR: dir,
    LOG_LEVEL: 'warn',
    RUNNER_TOKEN: TOKEN,
    RUNNER_WORKERS: process.env.RUNNER_WORKERS ?? '2',
    ...QUOTAS_OFF,
  },
  { generateLocalSecrets: true },
);
const store = createBundleStore(config.store);
const app = await buildRunnerApp({
  config,
  resources: { database, store },
  limits: { tenantConcurrency: 64 },
});
await app.listen({ port: 0, host: '127.0.0.1' });
const runnerUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

async function publish(component: Uint8Array, capabilities: string[]): Promise<string> {
  const project = join(dir, `p-${randomUUID()}`);
  await mkdir(join(project, 'dist'), { recursive: true });
  await writeFile(join(project, 'dist', 'main.wasm'), component);
  await writeFile(join(project, 'README.md'), randomUUID()); // a fresh content hash every time
  await writeFile(
    join(project, 'manifest.json'),
    JSON.stringify({
      name: 'm',
      publisher: 'acme',
      version: '1.0.0',
      capabilities,
      api: { endpoints: [{ method: 'GET', path: '/x' }] },
    }),
  );
  const packed = await packBundle(project);
  await store.putIfAbsent(store.canonicalKey(packed.contentHash, 'bundle'), packed.bytes!);
  return packed.contentHash;
}

function envelope(
  contentHash: string,
  ids: { installId: string; extensionId: string },
  path: string,
  providers: readonly string[],
): string {
  return JSON.stringify({
    context: {
      request_id: 'r1',
      tenant_id: 't1',
      extension_id: ids.extensionId,
      install_id: ids.installId,
      version: '1.0.0',
      content_hash: contentHash,
      config: {},
    },
    http: { method: 'GET', path, query: {}, headers: { accept: 'application/json' }, body_b64: null },
    limits: { timeout_ms: 10_000, memory_mb: 128 },
    providers,
  });
}

/** Bare: transpile + compile + instantiate + one call, in this process. */
async function bareCold(
  component: Uint8Array,
  imports: Record<string, object>,
  path: string,
): Promise<number> {
  const t0 = performance.now();
  const out = await transpileBytes(component, { name: 'component', instantiation: 'sync', base64Cutoff: 0 });
  const glueDir = await mkdtemp(join(dir, 'bare-'));
  for (const [name, data] of Object.entries(out.files)) {
    await mkdir(join(glueDir, name, '..'), { recursive: true });
    await writeFile(join(glueDir, name), data);
  }
  await writeFile(join(glueDir, 'package.json'), '{"type":"module"}');
  const modules: Record<string, object> = {};
  for (const name of Object.keys(out.files).filter((n) => n.endsWith('.wasm'))) {
    modules[name] = await WebAssembly.compile(await readFile(join(glueDir, name)));
  }
  const glue = (await import(pathToFileURL(join(glueDir, 'component.js')).href)) as {
    instantiate: (
      get: (n: string) => object,
      imports: object,
    ) => Record<string, { handle(r: unknown): unknown }>;
  };
  const instance = glue.instantiate((n) => modules[n]!, imports);
  instance.handler!.handle({
    context: {
      requestId: 'r',
      tenantId: 't',
      extensionId: 'e',
      installId: 'i',
      version: '1',
      contentHash: 'h',
    },
    http: { method: 'GET', path, query: [], headers: [], body: undefined },
  });
  return performance.now() - t0;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body_b64: string;
}

/** One execute; throws unless the runner answered 200 with a guest response. */
async function execute(body: string): Promise<{ raw: Buffer; answer: Answer; ms: number }> {
  const t0 = performance.now();
  const res = await send(`${runnerUrl}/v1/execute`, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const ms = performance.now() - t0;
  if (res.status !== 200)
    throw new Error(`execute answered ${res.status}: ${res.body.toString().slice(0, 500)}`);
  return { raw: res.body, answer: JSON.parse(res.body.toString()) as Answer, ms };
}

// ---------------------------------------------------------------------------------------------
// Measurements.

const rows: BenchRow[] = [];
const notes: string[] = [];
const extra: Record<string, unknown> = {};

log('building the example components (cached) and the peer toolchain');
const echo = await buildEchoComponent();
const hello = await readFile((await buildHelloComponent({ cache: true })).outFile);
const helloCaps = ['cap:context.read', 'cap:log.emit', 'cap:config.read', 'cap:storage.kv'];
const { wasiImports } = (await import(
  pathToFileURL(join(root, 'services', 'runner', 'dist', 'host', 'wasi', 'wasi-imports.js')).href
)) as { wasiImports: () => Record<string, object> };
const helloHost = {
  ...wasiImports(),
  'annex:extension/context': { get: () => ({}), user: () => undefined },
  'annex:extension/logging': { log: () => {} },
  'annex:extension/config': { get: () => '{}' },
  'annex:extension/secrets': {
    get: () => {
      throw 'denied';
    },
    list: () => [],
  },
  'annex:extension/kv': {
    get: () => undefined,
    set: () => 1n,
    delete: () => false,
    list: () => ({ keys: [] }),
  },
  'annex:extension/http': {
    fetch: () => {
      throw { tag: 'denied' };
    },
  },
};

// The peers are prepared before anything is timed: npm and componentize-js use both cores.
const peerComponents: Partial<Record<'hello' | 'echo', string>> = {};
try {
  const toolchain = await ensurePeerToolchain();
  const built = await buildPeerComponent('hello-proxy.js', helloProxySource());
  peerComponents.hello = built.file;
  const echoBuilt = await buildPeerComponent('echo-http.wat', ECHO_HTTP_WAT);
  peerComponents.echo = echoBuilt.file;
  const kb = async (file: string) =>
    `${Math.round((await readFile(file)).length / 1024).toLocaleString('en-US')} KiB`;
  extra['peer'] =
    `jco serve (jco ${PEER_PACKAGES['@bytecodealliance/jco']}, preview2-shim ${PEER_PACKAGES['@bytecodealliance/preview2-shim']}): ` +
    `one warm instance on its main thread, HTTP in preview2-shim's I/O worker thread; hello built with componentize-js ${built.componentizeJs} ` +
    `(${await kb(built.file)}), echo hand-written WAT (${await kb(echoBuilt.file)}), wasi ${built.wasiVersion}; toolchain from npm in ` +
    `node_modules/.cache/annex-bench/jco (${toolchain.installedNow ? `installed this run in ${toolchain.seconds.toFixed(0)} s` : 'reused'}, ` +
    `hello peer ${built.cached ? 'reused' : `built this run in ${(built.ms / 1000).toFixed(0)} s`})`;
} catch (err) {
  notes.push(
    `jco serve peer unavailable in this run: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}`,
  );
  log(`peer unavailable: ${(err as Error).message}`);
}

interface Case {
  name: string;
  component: Uint8Array;
  /** The guest path; `@N@` is replaced by a counter per request (each request names something new). */
  path: string;
  providers: string[];
  imports: Record<string, object>;
  /** The jco serve component answering the same request, and what differs. */
  peer?: { server: 'hello' | 'echo'; note: string };
  cold: boolean;
}

const cases: Case[] = [
  {
    name: 'echo (WAT)',
    component: echo,
    path: '/x',
    providers: [],
    imports: {},
    peer: {
      server: 'echo',
      note: 'a hand-written WAT wasi:http echo: the same status, headers and frame layout, without the six context strings a wasi:http request does not have',
    },
    cold: true,
  },
  {
    name: 'hello (JS), JavaScript only',
    component: hello,
    path: '/nothing',
    providers: helloCaps,
    imports: helloHost,
    peer: {
      server: 'hello',
      note: "hello's router answering 404 for an unknown path: no host call on either side, the same handler source",
    },
    cold: true,
  },
  {
    name: 'hello (JS), GET /hello/:name',
    component: hello,
    path: '/hello/n@N@',
    providers: helloCaps,
    imports: helloHost,
    peer: {
      server: 'hello',
      note: 'greet, a new name each request: config.get, kv.update (get + compare-and-set), log. The runner keeps KV in the database through the worker bridge; the peer keeps it in a Map inside the guest and drops the log line',
    },
    cold: false,
  },
];

const installs = new Map<Uint8Array, { hash: string; ids: { installId: string; extensionId: string } }>();

log('cold starts');
for (const c of cases.filter((x) => x.cold)) {
  const hash = await publish(c.component, c.providers);
  const { installId, extensionId } = await seedInstall(database.db, hash);
  const ids = { installId, extensionId };
  const first = await execute(envelope(hash, ids, c.path, c.providers));
  const bareMs = await bareCold(c.component, c.imports, c.path);
  rows.push(
    row({
      case: `${c.name}, cold start`,
      unit: 'ms',
      ours: Math.round(first.ms),
      other: Math.round(bareMs),
      against: 'bare transpile + compile + instantiate + call (limit)',
      kind: 'limit',
      higherIsBetter: false,
      note: 'first execute of a freshly published hash: store fetch, hash and signature policy, unpack, transpile in a worker, memory patch, compile, instantiate, call',
    }),
  );
  installs.set(c.component, { hash, ids });
  log(`${c.name}: cold ${first.ms.toFixed(0)} ms, bare ${bareMs.toFixed(0)} ms`);
}

const peers = new Map<string, Awaited<ReturnType<typeof startJcoServe>>>();
const peerStarts: string[] = [];
async function peerServer(server: 'hello' | 'echo') {
  const component = peerComponents[server];
  if (!component) return undefined;
  if (!peers.has(server)) {
    try {
      const running = await startJcoServe(component);
      peers.set(server, running);
      peerStarts.push(`${server} ${Math.round(running.startMs).toLocaleString('en-US')} ms`);
    } catch (err) {
      notes.push(
        `jco serve did not start the ${server} component: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}`,
      );
      peerComponents[server] = undefined;
      return undefined;
    }
  }
  return peers.get(server);
}

log('warm');
const probePath = (path: string) => path.replaceAll('@N@', 'probe');
const runnerHeaders = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
for (const c of cases) {
  const { hash, ids } = installs.get(c.component)!;
  const body = envelope(hash, ids, c.path, c.providers);
  const vary = c.path.includes('@N@');
  const probe = await execute(envelope(hash, ids, probePath(c.path), c.providers));
  const ours = await loadInChild(
    `${runnerUrl}/v1/execute`,
    { method: 'POST', headers: runnerHeaders, body },
    vary,
  );

  // The limit: a bare Fastify route answering the bytes the runner answered, to the same request.
  const sameBytes = probe.raw;
  const baseline = Fastify();
  baseline.post('/v1/execute', async (_req, reply) => reply.type('application/json').send(sameBytes));
  await baseline.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(baseline.server.address() as AddressInfo).port}`;
  const bare = await loadInChild(
    `${baseUrl}/v1/execute`,
    { method: 'POST', headers: runnerHeaders, body },
    vary,
  );
  await baseline.close();

  const fields = (other: LoadFigures) => ({
    case: `${c.name}, warm`,
    unit: 'req/s',
    ours: Math.round(ours.rps),
    other: Math.round(other.rps),
    higherIsBetter: true,
    oursP50Ms: ours.p50Ms,
    oursP99Ms: ours.p99Ms,
    otherP50Ms: other.p50Ms,
    otherP99Ms: other.p99Ms,
  });
  rows.push(
    row({
      ...fields(bare),
      against: 'bare Fastify route, same bytes (limit)',
      kind: 'limit',
      note: `guest status ${probe.answer.status}; answer ${sameBytes.length} bytes; runner errors ${ours.errors}, non-2xx ${ours.non2xx}; route errors ${bare.errors}, non-2xx ${bare.non2xx}`,
    }),
  );
  log(`${c.name}: runner ${ours.rps.toFixed(0)} req/s, bare route ${bare.rps.toFixed(0)} req/s`);

  const server = c.peer && (await peerServer(c.peer.server));
  if (c.peer && server) {
    // The envelope's one request header, so the echo peer frames a header too.
    const peerHeaders = { accept: 'application/json' };
    const peerProbe = await send(`${server.url}${probePath(c.path)}`, { headers: peerHeaders });
    const runnerBody = Buffer.from(probe.answer.body_b64, 'base64');
    const sameStatus = peerProbe.status === probe.answer.status;
    const sameBytesToo = sameStatus && peerProbe.body.equals(runnerBody);
    const them = await loadInChild(`${server.url}${c.path}`, { headers: peerHeaders }, vary);
    rows.push(
      row({
        ...fields(them),
        against: `jco serve, ${c.peer.server === 'hello' ? "hello's handler source" : 'a WAT echo'} as wasi:http (peer)`,
        kind: 'peer',
        note: `${c.peer.note}; guest status ${probe.answer.status}, peer ${peerProbe.status}: ${sameBytesToo ? 'identical body bytes' : `bodies differ (runner ${runnerBody.length} bytes, peer ${peerProbe.body.length} bytes)`}; peer errors ${them.errors}, non-2xx ${them.non2xx}`,
      }),
    );
    log(`${c.name}: jco serve ${them.rps.toFixed(0)} req/s`);
  }
}
for (const server of peers.values()) await server.stop();

if (peerStarts.length > 0) extra['jco serve start (transpile + instantiate)'] = peerStarts.join(', ');
extra['runner'] =
  `in this process, ${config.runnerWorkers} workers, ${testDatabaseKind() === 'postgres' ? 'PostgreSQL' : 'PGlite'}; ` +
  'quotas off (EXT_QUOTA_INVOCATIONS_PER_MINUTE, EXT_QUOTA_CPU_MS_PER_MINUTE, EXT_QUOTA_MEM_MB_MS_PER_MINUTE = 0)';
extra['load'] =
  `${LOAD.connections} keep-alive connections, ${LOAD.warmupSeconds} s warm-up then ${LOAD.seconds} s measured, ` +
  'autocannon in a child process on the same 2 cores';
if (peers.size > 0) {
  notes.push(
    'The runner answers a POST of the execute envelope with the envelope of the answer (the guest response base64-encoded in JSON); jco serve answers a plain GET with the guest response itself. That is what each is for: the runner sits behind a gateway, jco serve is the HTTP server.',
  );
}
if (peers.has('hello')) {
  notes.push(
    "hello peer: hello's own handler (router and routes unchanged) exported as wasi:http/incoming-handler, with an in-memory host inside the guest: KV in a Map where the runner goes to the database through the worker bridge, log lines dropped. The JavaScript-only route answers the same bytes on both sides; GET /hello/:name (a new name per request) the same JSON.",
  );
}
if (peers.has('echo')) {
  notes.push(
    'echo peer: a WAT wasi:http echo with the status, headers and frame layout of echo.wat; its frame has empty context strings (a wasi:http request carries no tenant, install or content hash), so its body is shorter.',
  );
}

const result = await writeResult({
  name: 'execute',
  title: 'Execute: warm throughput and cold start',
  rows,
  extra,
  notes,
});
log(`wrote bench/results/execute.json (${result.rows.length} rows)`);
for (const r of result.rows) {
  log(`  ${r.case} vs ${r.against}: ${r.ours} / ${r.other} ${r.unit} = ${r.ratio.toFixed(2)}`);
}

await app.close();
await database.close();
agent.destroy();
await rm(dir, { recursive: true, force: true });
