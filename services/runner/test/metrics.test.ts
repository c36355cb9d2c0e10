// The runner's Prometheus metrics and GET /v1/cache/stats after known traffic: executions by
// extension and outcome, timeouts, traps, guest memory, egress bytes, the bundle cache (read from the
// counters GET /v1/cache/stats shows), compile timings and the worker pool. No tenant id in any label.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { scrapeMetrics, waitFor } from '@annex/test-support';
import { buildEchoComponent, buildProbeComponent } from './components.js';
import { b64, runnerHarness, TOKEN, type Harness } from './harness.js';

const scrape = (h: Harness) => scrapeMetrics(h.app);

const TENANT = 'tenant-metrics-7f3a';

let upstreamHits = 0;
const upstream = createServer((_req, res) => {
  upstreamHits++;
  res.end('fetched bytes');
});
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.2', resolve));
const port = (upstream.address() as AddressInfo).port;
t.teardown(() => upstream.close());

const h = await runnerHarness(t, {
  env: { RUNNER_WORKERS: '2', EXT_EGRESS_ALLOWLIST: `http://api.allowed.test:${port}` },
  egress: { resolve: async () => ['127.0.0.2'], publicAddresses: ['127.0.0.2'] },
});
const echo = await h.install(await h.publish(await buildEchoComponent()), TENANT);
const probe = await h.install(await h.publish(await buildProbeComponent()), TENANT);

t.test('/metrics counts executions, failures, memory, egress, caches and the pool', async (t) => {
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) statuses.push((await h.execute(h.envelope(echo))).statusCode);
  statuses.push((await h.execute(h.envelope(probe, { http: { path: '/config' } }))).statusCode);
  const fetched = await h.execute(
    h.envelope(probe, {
      http: { path: '/fetch', method: 'POST', body_b64: b64(`http://api.allowed.test:${port}/x`) },
      providers: ['cap:http.fetch'],
      egress: [`http://api.allowed.test:${port}`],
    }),
  );
  statuses.push(fetched.statusCode);
  const trap = await h.execute(h.envelope(probe, { http: { path: '/trap' } }));
  const timeout = await h.execute(
    h.envelope(probe, { http: { path: '/loop' }, limits: { timeout_ms: 300 } }),
  );
  t.same(statuses, [200, 200, 200, 200, 200]);
  t.equal(fetched.json().status, 200, 'the guest fetched');
  t.equal(upstreamHits, 1);
  t.equal(trap.statusCode, 500);
  t.equal(timeout.statusCode, 504);
  const egress = fetched.json().metrics.egress_bytes as number;
  t.ok(egress > 0, `egress_bytes ${egress}`);

  // The timed-out worker is replaced; wait until the pool is whole again.
  const stats = await waitFor(async () => {
    const s = await h.stats();
    return s.pool.ready === 2 && s.pool.busy === 0 ? s : undefined;
  });
  const m = await scrape(h);
  const e = { extension: echo.extensionId };
  const p = { extension: probe.extensionId };

  t.equal(m.value('annex_execute_total', { ...e, status: 'ok' }), 3);
  t.equal(m.value('annex_execute_total', { ...p, status: 'ok' }), 2);
  t.equal(m.value('annex_execute_total', { ...p, status: 'GUEST_TRAP' }), 1);
  t.equal(m.value('annex_execute_total', { ...p, status: 'TIMEOUT' }), 1);
  t.equal(m.value('annex_execute_duration_seconds_count', { ...e, status: 'ok' }), 3);
  t.equal(m.value('annex_execute_duration_seconds_count', { ...p, status: 'TIMEOUT' }), 1);
  t.ok(m.value('annex_execute_duration_seconds_sum', { ...p, status: 'TIMEOUT' }) > 0);
  t.equal(m.value('annex_timeouts_total', p), 1);
  t.equal(m.value('annex_traps_total', p), 1);
  t.equal(m.value('annex_timeouts_total', e), 0);
  t.equal(m.value('annex_guest_memory_bytes_count', e), 3, 'one observation per answered execution');
  t.ok(m.value('annex_guest_memory_bytes_sum', e) >= 3 * 65536, 'at least a page each');
  t.equal(m.value('annex_egress_bytes_total', p), egress, 'the answers’ egress_bytes, summed');

  // The bundle cache, read from the counters GET /v1/cache/stats shows: 2 fetches, 5 hits of 7 lookups.
  t.equal(m.value('annex_bundle_cache_misses_total'), 2);
  t.equal(m.value('annex_bundle_cache_hits_total'), 5);
  t.equal(m.value('annex_bundle_cache_evictions_total'), 0);
  t.equal(stats.bundles.misses, 2);
  t.equal(stats.bundles.hits, 5);
  t.equal(m.value('annex_bundle_cache_bytes'), stats.bundles.bytes);
  t.ok(stats.bundles.bytes > 0);
  t.equal(m.value('annex_module_compile_seconds_count', { phase: 'transpile' }), 2, 'one transpile per hash');
  t.equal(m.value('annex_module_compile_seconds_count', { phase: 'compile' }), stats.modules.compiles);
  t.ok(stats.modules.compiles >= 2);
  t.equal(m.value('annex_worker_pool_size'), 2);
  t.equal(m.value('annex_worker_pool_busy'), 0);
  t.equal(m.value('annex_worker_pool_queued'), 0);

  t.ok(
    m.samples.every((s) => s.labels.service === 'runner'),
    'every sample carries service="runner"',
  );
  t.notOk(m.text.includes(TENANT), 'no tenant id anywhere');
  t.notOk(
    m.samples.some((s) => 'tenant' in s.labels || 'tenant_id' in s.labels || 'install' in s.labels),
    'no tenant or install label',
  );

  // Counters read at scrape time keep counting across scrapes.
  t.equal((await h.execute(h.envelope(echo))).statusCode, 200);
  const again = await scrape(h);
  t.equal(again.value('annex_execute_total', { ...e, status: 'ok' }), 4);
  t.equal(again.value('annex_bundle_cache_hits_total'), 6);
  t.equal(again.value('annex_bundle_cache_misses_total'), 2);
  t.equal(again.value('annex_module_compile_seconds_count', { phase: 'transpile' }), 2);
});

t.test('GET /v1/cache/stats: hit ratios, compiled modules, warm instances', async (t) => {
  t.equal((await h.execute(h.envelope(echo))).statusCode, 200);
  const stats = (
    await h.app.inject({
      method: 'GET',
      url: '/v1/cache/stats',
      headers: { authorization: `Bearer ${TOKEN}` },
    })
  ).json();
  const { hits, misses } = stats.bundles;
  t.equal(stats.bundles.hitRatio, hits / (hits + misses));
  t.equal(stats.modules.hitRatio, stats.modules.hits / (stats.modules.hits + stats.modules.misses));
  t.equal(stats.modules.compiled, 2, 'echo and probe, each at one memory cap');
  t.ok(stats.pool.warmInstances >= 1, `warm instances: ${stats.pool.warmInstances}`);
  t.match(stats.idempotency, { entries: Number, bytes: Number });
});

t.test('a fresh runner answers null hit ratios and no samples for unseen extensions', async (t) => {
  const fresh = await runnerHarness(t);
  const stats = await fresh.stats();
  t.match(stats, { bundles: { hitRatio: null, hits: 0 }, modules: { hitRatio: null, compiled: 0 } });
  const m = await scrape(fresh);
  t.equal(m.value('annex_bundle_cache_hits_total'), 0);
  t.equal(m.value('annex_bundle_cache_bytes'), 0);
  t.notOk(
    m.samples.some((s) => s.name === 'annex_execute_total'),
    'no execution yet',
  );
});
