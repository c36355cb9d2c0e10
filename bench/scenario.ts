/**
 * `pnpm bench scenario` (or `node --import=tsx bench/scenario.ts` after `pnpm build`): the whole
 * platform end to end, written to bench/results/scenario.json.
 *
 * The registry and the runner run as their own processes (services' `dist/main.js`, the way they are
 * deployed) on a fresh PostgreSQL database when one is reachable; without PostgreSQL the embedded
 * platform (`services/embedded`, PGlite) runs as one process instead, and "runner RSS" is then that
 * whole process. The hello example is built with its own build (`buildHelloComponent`), packed with
 * @annex/bundle and published through the API (upload, finalize), installed for 100 tenants, and one
 * gateway key calls it for all of them (`x-tenant-id`).
 *
 * The load cycles, on each of 32 connections, through hello's four endpoints for tenants taken in
 * turn: `GET /hello/:name` for one tenant, then `POST /notes` (a JSON body), `GET /notes` and
 * `DELETE /notes/:id` (the note just created) for the next, so the notes stay few and the mix stays
 * the same for the whole run. The same mix, tenants and installs are then sent straight to the
 * runner's `POST /v1/execute` with the envelopes the registry's resolve route gives an external
 * gateway: that is the limit, and the ratio is what the gateway (key check, install resolution,
 * endpoint match, forwarding, execution log) costs on top of the runner.
 *
 * Quotas and the gateway rate limit are off (EXT_QUOTA_*=0, EXT_GATEWAY_RATE_LIMIT=0): this measures
 * throughput, not the per-minute budgets.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Request as LoadRequest } from 'autocannon';
import { packBundle } from '@annex/bundle';
import { buildHelloComponent, helloDir } from '@annex/example-hello';
import {
  callApi,
  createEmptyPostgresDatabase,
  postgresAdminUrl,
  startNode,
  tcpReachable,
  tempDir,
  waitFor,
  type RunningProcess,
} from '@annex/test-support';
import { load, type LoadFigures } from './lib/load.js';
import { freePort } from './lib/services.js';
import { row, writeResult } from './lib/report.js';
import { sampleRss } from './rss-sampler.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const TENANTS = 100;
const LOAD = { connections: 32, seconds: 10, warmupSeconds: 3 } as const;
const ADMIN = `bench-admin-${randomBytes(12).toString('hex')}`;
const RUNNER_TOKEN = `bench-runner-${randomBytes(12).toString('hex')}`;
const EXT = 'acme.hello';
const started = performance.now();
const log = (message: string) =>
  process.stdout.write(`[scenario ${((performance.now() - started) / 1000).toFixed(0)} s] ${message}\n`);
const MiB = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function api<T = Record<string, unknown>>(
  base: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: T }> {
  const answer = await callApi(base, key, method, path, body, headers);
  return { status: answer.status, json: answer.json as T };
}

function expect(status: number, wanted: number, what: string, json: unknown) {
  if (status !== wanted) throw new Error(`${what}: ${status} ${JSON.stringify(json).slice(0, 400)}`);
}

async function waitHealthy(url: string, proc: RunningProcess, what: string) {
  await waitFor(
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`${what} exited: ${proc.stderr().slice(-2000)}`);
      const res = await fetch(`${url}/readyz`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    },
    { timeoutMs: 60_000, what: `${what} ready` },
  );
}

// ---------------------------------------------------------------------------------------------
// The platform: registry and runner as processes.

const quotasOff = {
  EXT_QUOTA_INVOCATIONS_PER_MINUTE: '0',
  EXT_QUOTA_CPU_MS_PER_MINUTE: '0',
  EXT_QUOTA_MEM_MB_MS_PER_MINUTE: '0',
  EXT_GATEWAY_RATE_LIMIT: '0',
};
const data = tempDir('annex-bench-scenario-');
const common = {
  DATA_DIR: data.path,
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  RUNNER_TOKEN,
  REGISTRY_ADMIN_TOKEN: ADMIN,
  RUNNER_WORKERS: process.env.RUNNER_WORKERS ?? '2',
  ...quotasOff,
};
const registryPort = await freePort();
const runnerPort = await freePort();
const registryUrl = `http://127.0.0.1:${registryPort}`;
const runnerUrl = `http://127.0.0.1:${runnerPort}`;

const wantPostgres =
  process.env.ANNEX_TEST_DB === 'postgres' ||
  (process.env.ANNEX_TEST_DB === undefined && (await tcpReachable(postgresAdminUrl())));
const database = wantPostgres ? await createEmptyPostgresDatabase() : undefined;
const processes: RunningProcess[] = [];
const sharedKek = `bench:${randomBytes(32).toString('base64')}`;
let runnerProc: RunningProcess;
let registryProc: RunningProcess;
if (database) {
  const shared = { ...common, DATABASE_URL: database.url, SECRETS_KEK: sharedKek };
  // The registry first: it migrates the empty database; the runner then finds it migrated.
  registryProc = startNode(`${root}services/registry/dist/main.js`, {
    ...shared,
    PORT: String(registryPort),
    RUNNER_BASE_URL: runnerUrl,
  });
  processes.push(registryProc);
  await waitHealthy(registryUrl, registryProc, 'registry');
  runnerProc = startNode(`${root}services/runner/dist/main.js`, { ...shared, PORT: String(runnerPort) });
  processes.push(runnerProc);
  await waitHealthy(runnerUrl, runnerProc, 'runner');
} else {
  runnerProc = startNode(`${root}services/embedded/dist/main.js`, {
    ...common,
    REGISTRY_PORT: String(registryPort),
    RUNNER_PORT: String(runnerPort),
    RUNNER_BASE_URL: runnerUrl,
  });
  registryProc = runnerProc;
  processes.push(runnerProc);
  await waitHealthy(registryUrl, runnerProc, 'embedded platform');
  await waitHealthy(runnerUrl, runnerProc, 'embedded platform');
}
const layout = database
  ? 'registry and runner as separate processes on PostgreSQL'
  : 'embedded platform (registry + runner + PGlite) in one process';
log(`platform up: ${layout}`);

async function stopAll() {
  for (const proc of processes) proc.kill('SIGTERM');
  await Promise.race([
    Promise.all(processes.map((p) => p.exited)),
    new Promise((r) => setTimeout(r, 10_000)),
  ]);
  for (const proc of processes) proc.kill('SIGKILL');
  await database?.drop();
  data.remove();
}

let runnerRss = sampleRss(runnerProc.child.pid!, 50);
const registryRss = database ? sampleRss(registryProc.child.pid!, 50) : undefined;

// ---------------------------------------------------------------------------------------------
// Publish hello, install it for 100 tenants.

interface Resolved {
  installId: string;
  extensionId: string;
  versionId: string;
  version: string;
  contentHash: string;
  config: Record<string, unknown>;
  providers: string[];
  egress: string[];
  secretEnvelope: unknown;
  limits: Record<string, unknown>;
}

const tenants = Array.from({ length: TENANTS }, (_, i) => `tenant-${String(i).padStart(3, '0')}`);
const targets = new Map<string, Resolved>();
let gatewayKey = '';

try {
  const built = await buildHelloComponent({ cache: true });
  log(
    `hello component: ${built.size} bytes (${built.cached ? 'cached build' : `built in ${built.durationMs} ms`})`,
  );
  const packed = await packBundle(helloDir);
  const bundle = packed.bytes!;

  const publisher = await api<{ key: string }>(registryUrl, ADMIN, 'POST', '/v1/api-keys', {
    role: 'publisher',
    publishers: ['acme'],
    name: 'bench publisher',
  });
  expect(publisher.status, 201, 'publisher key', publisher.json);
  const gateway = await api<{ key: string }>(registryUrl, ADMIN, 'POST', '/v1/api-keys', {
    role: 'gateway',
    name: 'bench gateway',
  });
  expect(gateway.status, 201, 'gateway key', gateway.json);
  gatewayKey = gateway.json.key;

  const publishStart = performance.now();
  const init = await api<{ uploadId: string; url: string; headers?: Record<string, string> }>(
    registryUrl,
    publisher.json.key,
    'POST',
    '/v1/uploads',
    { size: bundle.length, sha256: packed.contentHash, filename: 'hello.tar.zst' },
  );
  expect(init.status, 201, 'upload', init.json);
  const put = await fetch(init.json.url, { method: 'PUT', headers: init.json.headers ?? {}, body: bundle });
  if (!put.ok) throw new Error(`upload PUT: ${put.status} ${await put.text()}`);
  const fin = await api(
    registryUrl,
    publisher.json.key,
    'POST',
    `/v1/uploads/${init.json.uploadId}/finalize`,
    {},
  );
  expect(fin.status, 201, 'finalize', fin.json);
  const publishMs = performance.now() - publishStart;
  log(
    `published ${EXT} ${packed.contentHash.slice(0, 19)}… (${MiB(bundle.length)} MiB) in ${publishMs.toFixed(0)} ms`,
  );

  const installStart = performance.now();
  for (let i = 0; i < tenants.length; i += 10) {
    await Promise.all(
      tenants.slice(i, i + 10).map(async (tenant) => {
        const res = await api(registryUrl, ADMIN, 'POST', `/v1/tenants/${tenant}/installs`, {
          extension: EXT,
        });
        expect(res.status, 201, `install for ${tenant}`, res.json);
        const resolved = await api<Resolved>(
          registryUrl,
          gatewayKey,
          'GET',
          `/v1/tenants/${tenant}/installs/${EXT}/resolve?method=GET&path=/notes`,
          undefined,
          { 'x-tenant-id': tenant },
        );
        expect(resolved.status, 200, `resolve for ${tenant}`, resolved.json);
        targets.set(tenant, resolved.json);
      }),
    );
  }
  const installMs = performance.now() - installStart;
  log(`installed for ${TENANTS} tenants in ${installMs.toFixed(0)} ms`);

  // -------------------------------------------------------------------------------------------
  // The mix, through the gateway and straight to the runner.

  type Mode = 'gateway' | 'runner';
  const ENDPOINTS = ['GET /hello/:name', 'POST /notes', 'GET /notes', 'DELETE /notes/:id'] as const;
  const EXPECTED: Record<(typeof ENDPOINTS)[number], number> = {
    'GET /hello/:name': 200,
    'POST /notes': 201,
    'GET /notes': 200,
    'DELETE /notes/:id': 204,
  };
  let statuses: Record<string, number> = {};
  let turn = 0;
  let requestNo = 0;
  const nextTenant = () => tenants[turn++ % TENANTS]!;
  const noteBody = JSON.stringify({ text: 'a note from the scenario benchmark' });

  interface Call {
    method: NonNullable<LoadRequest['method']>;
    path: string;
    body?: string;
  }
  interface Ctx {
    tenant?: string;
    noteId?: number;
  }

  /** The request for one guest call, as the gateway or as the runner's envelope. */
  function httpFor(mode: Mode, tenant: string, call: Call): LoadRequest & { path: string } {
    if (mode === 'gateway') {
      return {
        method: call.method,
        path: `/api/ext/${EXT}${call.path}`,
        headers: {
          authorization: `Bearer ${gatewayKey}`,
          'x-tenant-id': tenant,
          ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(call.body === undefined ? {} : { body: call.body }),
      };
    }
    const t = targets.get(tenant)!;
    return {
      method: 'POST',
      path: '/v1/execute',
      headers: { authorization: `Bearer ${RUNNER_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        context: {
          request_id: `scenario-${requestNo++}`,
          tenant_id: tenant,
          extension_id: t.extensionId,
          install_id: t.installId,
          version_id: t.versionId,
          version: t.version,
          content_hash: t.contentHash,
          config: t.config,
        },
        http: {
          method: call.method,
          path: call.path,
          query: {},
          headers: call.body === undefined ? {} : { 'content-type': 'application/json' },
          body_b64: call.body === undefined ? null : Buffer.from(call.body).toString('base64'),
        },
        limits: t.limits,
        providers: t.providers,
        egress: t.egress,
        secret_envelope: t.secretEnvelope,
      }),
    };
  }

  /** The guest's status and body: the HTTP answer through the gateway, the envelope's from the runner. */
  function guestAnswer(mode: Mode, status: number, body: string): { status: number; body: string } {
    if (mode === 'gateway' || status !== 200) return { status, body };
    const answer = JSON.parse(body) as { status: number; body_b64?: string };
    return { status: answer.status, body: Buffer.from(answer.body_b64 ?? '', 'base64').toString() };
  }

  function mix(mode: Mode): LoadRequest[] {
    const step = (
      endpoint: (typeof ENDPOINTS)[number],
      call: (ctx: Ctx) => { tenant: string; call: Call },
      after?: (ctx: Ctx, guestBody: string) => void,
    ): LoadRequest => ({
      method: 'GET',
      path: '/',
      setupRequest: (req, context) => {
        const { tenant, call: c } = call(context as Ctx);
        return { ...req, ...httpFor(mode, tenant, c) };
      },
      onResponse: (status, body, context) => {
        const guest = guestAnswer(mode, status, body);
        const key = `${endpoint} ${guest.status}`;
        statuses[key] = (statuses[key] ?? 0) + 1;
        if (after && guest.status === EXPECTED[endpoint]) after(context as Ctx, guest.body);
      },
    });
    return [
      step('GET /hello/:name', () => ({
        tenant: nextTenant(),
        call: { method: 'GET', path: `/hello/visitor-${turn % 7}` },
      })),
      step(
        'POST /notes',
        (ctx) => {
          ctx.tenant = nextTenant();
          return { tenant: ctx.tenant, call: { method: 'POST', path: '/notes', body: noteBody } };
        },
        (ctx, body) => {
          ctx.noteId = (JSON.parse(body) as { id: number }).id;
        },
      ),
      step('GET /notes', (ctx) => ({
        tenant: ctx.tenant ?? tenants[0]!,
        call: { method: 'GET', path: '/notes' },
      })),
      step('DELETE /notes/:id', (ctx) => ({
        tenant: ctx.tenant ?? tenants[0]!,
        call: { method: 'DELETE', path: `/notes/${ctx.noteId ?? 0}` },
      })),
    ];
  }

  const urlOf = (mode: Mode) => (mode === 'gateway' ? registryUrl : runnerUrl);

  /** Warm-up (not counted), then the measured run; statuses and the log window are the measured run's. */
  async function measure(mode: Mode) {
    await load(urlOf(mode), {
      requests: mix(mode),
      connections: LOAD.connections,
      seconds: LOAD.warmupSeconds,
      warmupSeconds: 0,
    });
    statuses = {};
    const since = new Date();
    const figures = await load(urlOf(mode), {
      requests: mix(mode),
      connections: LOAD.connections,
      seconds: LOAD.seconds,
      warmupSeconds: 0,
    });
    const until = new Date();
    const byStatus = statuses;
    const unexpected = Object.entries(byStatus)
      .filter(([key]) => !ENDPOINTS.some((e) => key === `${e} ${EXPECTED[e]}`))
      .reduce((n, [, count]) => n + count, 0);
    return { figures, byStatus, unexpected, since, until };
  }

  interface ExecutionPage {
    items: Array<{ metrics?: { cold?: boolean } }>;
    nextCursor: string | null;
  }

  /** The execution log of the window, every tenant: rows written, and how many needed a new instance. */
  async function executionLog(since: Date, until: Date) {
    let rows = 0;
    let cold = 0;
    for (let i = 0; i < tenants.length; i += 10) {
      await Promise.all(
        tenants.slice(i, i + 10).map(async (tenant) => {
          let cursor: string | null = null;
          do {
            const query: URLSearchParams = new URLSearchParams({
              since: since.toISOString(),
              until: until.toISOString(),
              limit: '500',
              ...(cursor ? { cursor } : {}),
            });
            const res: { status: number; json: ExecutionPage } = await api<ExecutionPage>(
              registryUrl,
              ADMIN,
              'GET',
              `/v1/tenants/${tenant}/executions?${query}`,
            );
            expect(res.status, 200, `execution log of ${tenant}`, res.json);
            rows += res.json.items.length;
            cold += res.json.items.filter((item) => item.metrics?.cold === true).length;
            cursor = res.json.nextCursor;
          } while (cursor);
        }),
      );
    }
    return { rows, cold };
  }

  async function cacheStats() {
    const res = await api<Record<string, Record<string, unknown>>>(
      runnerUrl,
      RUNNER_TOKEN,
      'GET',
      '/v1/cache/stats',
    );
    expect(res.status, 200, 'cache stats', res.json);
    return res.json;
  }

  /** Every tenant's first call loads its instance: done once before anything is measured. */
  async function firstCallOfEveryTenant(): Promise<number> {
    const started = performance.now();
    for (let i = 0; i < tenants.length; i += 4) {
      await Promise.all(
        tenants.slice(i, i + 4).map(async (tenant) => {
          const res = await fetch(`${registryUrl}/api/ext/${EXT}/hello/first`, {
            headers: { authorization: `Bearer ${gatewayKey}`, 'x-tenant-id': tenant },
          });
          if (res.status !== 200)
            throw new Error(`first call for ${tenant}: ${res.status} ${await res.text()}`);
        }),
      );
    }
    return performance.now() - started;
  }

  const rssBefore = runnerRss.now();
  const firstCallsMs = await firstCallOfEveryTenant();
  const rssAfterFirstCalls = runnerRss.now();
  log(
    `first call for every tenant: ${firstCallsMs.toFixed(0)} ms; runner RSS ${MiB(rssBefore)} → ${MiB(rssAfterFirstCalls)} MiB`,
  );

  runnerRss.reset();
  registryRss?.reset();
  const statsBefore = await cacheStats();
  const viaGateway = await measure('gateway');
  const gatewayPeak = runnerRss.peak();
  const registryPeak = registryRss?.peak();
  log(
    `gateway: ${viaGateway.figures.rps.toFixed(0)} req/s, p50 ${viaGateway.figures.p50Ms} ms, p99 ${viaGateway.figures.p99Ms} ms`,
  );
  const direct = await measure('runner');
  log(
    `runner direct: ${direct.figures.rps.toFixed(0)} req/s, p50 ${direct.figures.p50Ms} ms, p99 ${direct.figures.p99Ms} ms`,
  );
  const rssPeak = runnerRss.peak();
  const rssAfter = runnerRss.now();
  const statsAfter = await cacheStats();
  const gatewayLog = await executionLog(viaGateway.since, viaGateway.until);
  const directLog = await executionLog(direct.since, direct.until);

  const n = (x: number) => x.toLocaleString('en-US');
  const answers = (m: { figures: LoadFigures; byStatus: Record<string, number>; unexpected: number }) =>
    `${n(m.figures.requests)} requests, ${m.figures.errors} errors, ${m.figures.non2xx} HTTP non-2xx, ` +
    `${m.unexpected} guest answers other than expected (${Object.entries(m.byStatus)
      .map(([key, count]) => `${key} ×${n(count)}`)
      .join(', ')})`;
  const share = (part: number, whole: number) =>
    `${n(part)} of ${n(whole)} (${whole === 0 ? 0 : Math.round((part / whole) * 100)}%)`;

  // The same gateway load once more, on a runner given enough warm slots for every install
  // (RUNNER_WARM_INSTANCES per worker): what sizing that setting buys. Separate processes only: the
  // embedded platform cannot restart its runner without its database.
  let sized: string | undefined;
  if (database) {
    // Per worker, not divided by workers: a call runs on the first free worker, so a busy install
    // ends up with an instance in each.
    const warmPerWorker = Math.ceil((TENANTS * 11) / 10);
    runnerRss.stop();
    runnerProc.kill('SIGTERM');
    await runnerProc.exited;
    runnerProc = startNode(`${root}services/runner/dist/main.js`, {
      ...common,
      DATABASE_URL: database.url,
      SECRETS_KEK: sharedKek,
      PORT: String(runnerPort),
      RUNNER_WARM_INSTANCES: String(warmPerWorker),
    });
    processes.push(runnerProc);
    await waitHealthy(runnerUrl, runnerProc, 'runner (sized warm slots)');
    runnerRss = sampleRss(runnerProc.child.pid!, 50);
    const firstMs = await firstCallOfEveryTenant();
    const warmRss = runnerRss.now();
    runnerRss.reset();
    const pass = await measure('gateway');
    const passLog = await executionLog(pass.since, pass.until);
    log(
      `gateway, RUNNER_WARM_INSTANCES=${warmPerWorker}: ${pass.figures.rps.toFixed(0)} req/s, p50 ${pass.figures.p50Ms} ms, p99 ${pass.figures.p99Ms} ms`,
    );
    sized =
      `RUNNER_WARM_INSTANCES=${warmPerWorker} (${warmPerWorker * Number(common.RUNNER_WORKERS)} slots for ${TENANTS} installs; a restarted runner, first calls ${n(Math.round(firstMs))} ms): ` +
      `${n(Math.round(pass.figures.rps))} req/s through the gateway (${(pass.figures.rps / viaGateway.figures.rps).toFixed(1)}× the default's), p50 / p99 ${pass.figures.p50Ms} / ${pass.figures.p99Ms} ms; ` +
      `calls that loaded a new instance ${share(passLog.cold, passLog.rows)}; runner RSS ${MiB(warmRss)} MiB with every install warm, peak ${MiB(runnerRss.peak())} MiB; ${answers(pass)}`;
  }

  const ratio = (x: unknown) => (typeof x === 'number' ? x.toFixed(3) : 'n/a');
  const bundles = statsAfter.bundles ?? {};
  const modules = statsAfter.modules ?? {};
  const pool = statsAfter.pool ?? {};

  await writeResult({
    name: 'scenario',
    title: 'Scenario: 100 tenants through the gateway',
    rows: [
      row({
        case: `hello for ${TENANTS} tenants, GET/POST/GET/DELETE mix`,
        unit: 'req/s',
        ours: Math.round(viaGateway.figures.rps),
        other: Math.round(direct.figures.rps),
        against: 'the same mix straight to the runner (limit)',
        kind: 'limit',
        higherIsBetter: true,
        oursP50Ms: viaGateway.figures.p50Ms,
        oursP99Ms: viaGateway.figures.p99Ms,
        otherP50Ms: direct.figures.p50Ms,
        otherP99Ms: direct.figures.p99Ms,
        note: 'gateway: key check, install resolution, endpoint match, forwarding to the runner, execution log; runner: the envelopes the resolve route gives an external gateway',
      }),
    ],
    extra: {
      platform: `${layout}, ${common.RUNNER_WORKERS} runner workers; quotas and the gateway rate limit off (EXT_QUOTA_*=0, EXT_GATEWAY_RATE_LIMIT=0)`,
      load: `${LOAD.connections} keep-alive connections, ${LOAD.warmupSeconds} s warm-up then ${LOAD.seconds} s measured per side, tenants in turn; the load generator in the benchmark's process on the same 2 cores`,
      'through the gateway': answers(viaGateway),
      'straight to the runner': answers(direct),
      'runner RSS': `${MiB(rssBefore)} MiB after start, ${MiB(rssAfterFirstCalls)} MiB after the first call of ${TENANTS} tenants, peak ${MiB(rssPeak)} MiB (${MiB(gatewayPeak)} through the gateway), ${MiB(rssAfter)} MiB at the end${database ? '' : ' (the whole embedded process: registry, runner and PGlite)'}`,
      ...(registryPeak === undefined
        ? {}
        : { 'registry RSS': `peak ${MiB(registryPeak)} MiB through the gateway` }),
      'calls that loaded a new instance (execution log, measured windows)': `gateway ${share(gatewayLog.cold, gatewayLog.rows)}, runner ${share(directLog.cold, directLog.rows)}`,
      'runner cache stats after both runs (GET /v1/cache/stats)':
        `bundles ${n(Number(bundles.fetches ?? 0))} fetch, ${n(Number(bundles.hits ?? 0))} hits, ${n(Number(bundles.evictions ?? 0))} evictions (hit ratio ${ratio(bundles.hitRatio)}); ` +
        `modules ${n(Number(modules.transpiles ?? 0))} transpile, ${n(Number(modules.compiles ?? 0))} core compiles, ${n(Number(modules.hits ?? 0))} hits (hit ratio ${ratio(modules.hitRatio)}); ` +
        `pool ${String(pool.workers)} workers holding ${String(pool.warmInstances)} warm instances, ${String(pool.timeouts)} timeouts, ${String(pool.crashes)} crashes` +
        ` (before the runs: bundles ${n(Number(statsBefore.bundles?.hits ?? 0))} hits, modules ${n(Number(statsBefore.modules?.hits ?? 0))} hits)`,
      ...(sized === undefined ? {} : { 'with warm slots for every install': sized }),
      setup: `publish (upload + finalize) ${n(Math.round(publishMs))} ms; ${TENANTS} installs + resolves ${n(Math.round(installMs))} ms; first call of every tenant ${n(Math.round(firstCallsMs))} ms`,
    },
    notes: [
      'Each request is one guest call and writes one execution-log row; a call that loaded a new instance found no warm instance for its (install, content hash) in the worker it ran on.',
    ],
  });
  log('wrote bench/results/scenario.json');
} finally {
  runnerRss.stop();
  registryRss?.stop();
  await stopAll();
}
