/**
 * Measures the runner on this machine (figures for the README; not a test):
 *   - warm execute latency (p50/p99, sequential) and throughput (32 concurrent) for the WAT echo and
 *     the JS hello example (a route without host calls, and one kv read through the bridge), against a
 *     bare Fastify route answering the same bytes;
 *   - cold start: the first execute of a freshly published hash, against a bare in-process
 *     transpile + compile + instantiate + call of the same component.
 *
 *   pnpm build && node --import=tsx bench/execute.ts    (writes bench/results/execute.json)
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transpileBytes } from '@bytecodealliance/jco-transpile';
import { packBundle } from '@annex/bundle';
import { loadConfig } from '@annex/config';
import { buildEchoComponent } from '@annex/example-echo-wat';
import { buildHelloComponent } from '@annex/example-hello';
import { buildRunnerApp } from '@annex/runner';
import { createBundleStore } from '@annex/store';
import { createTestDatabase, seedInstall } from '@annex/test-support';
import Fastify from 'fastify';
import { latency, throughput } from './http-load.js';

declare const WebAssembly: {
  compile(bytes: Uint8Array): Promise<object>;
  Instance: new (module: object, imports: object) => object;
};

const TOKEN = 'measure-token-0123456789';
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks))
            : reject(new Error(`status ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const dir = await mkdtemp(join(tmpdir(), 'annex-measure-'));
const database = await createTestDatabase();
const config = loadConfig(
  'runner',
  {
    DATA_DIR: dir,
    LOG_LEVEL: 'warn',
    RUNNER_TOKEN: TOKEN,
    RUNNER_WORKERS: process.env.RUNNER_WORKERS ?? '2',
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
  await writeFile(join(project, 'README.md'), randomUUID());
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

async function install(contentHash: string) {
  const { installId, extensionId } = await seedInstall(database.db, contentHash);
  return { installId, extensionId };
}

function envelope(
  contentHash: string,
  ids: { installId: string; extensionId: string },
  path: string,
  providers: string[],
) {
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
async function bare(component: Uint8Array, imports: Record<string, object>, path: string) {
  const start = performance.now();
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
  return performance.now() - start;
}

const results: Record<string, unknown> = {};
const echo = await buildEchoComponent();
const hello = await readFile((await buildHelloComponent({ cache: true })).outFile);
const helloCaps = ['cap:context.read', 'cap:log.emit', 'cap:storage.kv'];
const { wasiImports } = await import('../services/runner/dist/host/wasi/wasi-imports.js');
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

// hello: a route that only runs JavaScript (a 404 from its router), and one that reads kv once.
for (const [name, component, path, providers, imports] of [
  ['echo (WAT)', echo, '/x', [], {}],
  ['hello (JS), no host call', hello, '/nothing', helloCaps, helloHost],
  ['hello (JS), one kv.list', hello, '/notes', helloCaps, helloHost],
] as const) {
  const coldHash = await publish(component, [...providers]);
  const coldIds = await install(coldHash);
  const start = performance.now();
  const answer = JSON.parse(
    (
      await post(`${runnerUrl}/v1/execute`, envelope(coldHash, coldIds, path, [...providers]), {
        authorization: `Bearer ${TOKEN}`,
      })
    ).toString(),
  );
  const coldMs = performance.now() - start;
  const bareMs = await bare(component, imports, path);

  const body = envelope(coldHash, coldIds, path, [...providers]);
  const send = () => post(`${runnerUrl}/v1/execute`, body, { authorization: `Bearer ${TOKEN}` });
  const sameBytes = Buffer.from(JSON.stringify(answer));
  const baseline = Fastify();
  baseline.post('/v1/execute', async (_req, reply) => reply.type('application/json').send(sameBytes));
  await baseline.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(baseline.server.address() as AddressInfo).port}`;
  const sendBase = () => post(`${baseUrl}/v1/execute`, body);

  results[name] = {
    cold_ms: Math.round(coldMs),
    bare_cold_ms: Math.round(bareMs),
    cold_ratio: +(coldMs / bareMs).toFixed(2),
    warm: await latency(send, 2000),
    bare_route: await latency(sendBase, 2000),
    rps: Math.round(await throughput(send, 5)),
    bare_route_rps: Math.round(await throughput(sendBase, 5)),
  };
  await baseline.close();
}

const report = {
  name: 'execute',
  date: new Date().toISOString(),
  machine: { cores: (await import('node:os')).availableParallelism(), node: process.version },
  workers: config.runnerWorkers,
  results,
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/execute.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
await app.close();
await database.close();
agent.destroy();
await rm(dir, { recursive: true, force: true });
