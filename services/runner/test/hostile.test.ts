// Hostile guests (the probe): a spinning guest is cut off at its timeout without stopping anyone else,
// a memory bomb hits its cap, a huge answer is refused, a trap is reported, and one tenant cannot
// take every slot.
import t from 'tap';
import { waitFor } from '@annex/test-support';
import { buildEchoComponent, buildProbeComponent } from './components.js';
import { answerBody, runnerHarness } from './harness.js';

const MiB = 1024 * 1024;
const h = await runnerHarness(t, {
  env: {
    RUNNER_WORKERS: '2',
    EXT_MAX_RESPONSE_BYTES: String(MiB),
    EXT_MAX_MEMORY_MB: '64',
    EXT_DEFAULT_MEMORY_MB: '32',
  },
  limits: { tenantConcurrency: 3 },
});
const probe = await h.publish(await buildProbeComponent());
const install = await h.install(probe);
const echo = await h.publish(await buildEchoComponent());
const echoInstall = await h.install(echo, 't2');

t.test(
  'an infinite loop answers 504 near its timeout; others are served meanwhile; the install recovers',
  async (t) => {
    const before = await h.stats();
    const started = Date.now();
    const spinning = h.execute(
      h.envelope(install, { http: { path: '/loop' }, limits: { timeout_ms: 1500 } }),
    );
    // While one worker spins, the other keeps answering.
    for (let i = 0; i < 5; i++) {
      const res = await h.execute(h.envelope(echoInstall));
      t.equal(res.statusCode, 200, 'served while a guest spins');
    }
    const res = await spinning;
    const elapsed = Date.now() - started;
    t.equal(res.statusCode, 504);
    t.match(res.json(), { error: { code: 'TIMEOUT', details: { timeout_ms: 1500 } } });
    t.ok(elapsed >= 1500, `answered after ${elapsed} ms, not before the timeout`);
    const after = await waitFor(async () => {
      const stats = await h.stats();
      return stats.pool.ready === 2 ? stats : undefined;
    });
    t.equal(after.pool.timeouts - before.pool.timeouts, 1);
    t.equal(after.pool.started - before.pool.started, 1, 'the worker was replaced');

    const next = await h.execute(h.envelope(install, { http: { path: '/config' } }));
    t.equal(next.statusCode, 200, 'the next request on the same install succeeds');
    t.equal(next.json().status, 200);
  },
);

t.test('timeouts above EXT_MAX_TIMEOUT_MS are capped, not rejected', async (t) => {
  const capped = await runnerHarness(t, {
    env: { EXT_MAX_TIMEOUT_MS: '800', EXT_DEFAULT_TIMEOUT_MS: '500' },
  });
  const hash = await capped.publish(await buildProbeComponent());
  const inst = await capped.install(hash);
  const res = await capped.execute(
    capped.envelope(inst, { http: { path: '/loop' }, limits: { timeout_ms: 600_000 } }),
  );
  t.equal(res.statusCode, 504);
  t.equal(res.json().error.details.timeout_ms, 800);
});

t.test('a memory bomb answers 507 and the runner stays bounded', async (t) => {
  const rssBefore = process.memoryUsage().rss;
  for (let i = 0; i < 3; i++) {
    const res = await h.execute(
      h.envelope(install, { http: { path: '/memory' }, limits: { memory_mb: 32 } }),
    );
    t.equal(res.statusCode, 507);
    t.match(res.json(), { error: { code: 'MEMORY_LIMIT', details: { memory_mb: 32 } } });
  }
  const capped = await h.execute(
    h.envelope(install, { http: { path: '/memory' }, limits: { memory_mb: 4096 } }),
  );
  t.equal(capped.statusCode, 507);
  t.equal(capped.json().error.details.memory_mb, 64, 'memory_mb is capped by EXT_MAX_MEMORY_MB');
  const grown = process.memoryUsage().rss - rssBefore;
  // Without the patched maximum the guest would grow to 4 GiB (worker resourceLimits do not cover
  // wasm memory); with it, each bomb stops at its cap.
  t.ok(grown < 512 * MiB, `RSS grew by ${Math.round(grown / MiB)} MiB`);
  const ok = await h.execute(h.envelope(install, { http: { path: '/config' } }));
  t.equal(ok.json().status, 200, 'the install still answers');
});

t.test('a response above EXT_MAX_RESPONSE_BYTES is refused with 502 RESPONSE_TOO_LARGE', async (t) => {
  const res = await h.execute(h.envelope(install, { http: { path: '/huge' } }));
  t.equal(res.statusCode, 502);
  t.match(res.json(), { error: { code: 'RESPONSE_TOO_LARGE', details: { limit_bytes: MiB } } });
});

t.test('a trap answers 500 GUEST_TRAP and the next call gets a fresh instance', async (t) => {
  const res = await h.execute(h.envelope(install, { http: { path: '/trap' } }));
  t.equal(res.statusCode, 500);
  t.match(res.json(), { error: { code: 'GUEST_TRAP', message: /unreachable/ } });
  const next = await h.execute(h.envelope(install, { http: { path: '/config' } }));
  t.equal(next.json().status, 200);
  t.equal(next.json().metrics.cold, true, 'the trapped instance was discarded');
  t.equal(answerBody(next).toString(), '{}');
});

t.test('one tenant past its concurrency cap gets 429; other tenants are served', async (t) => {
  const spinning = [1, 2, 3].map(() =>
    h.execute(h.envelope(install, { http: { path: '/loop' }, limits: { timeout_ms: 1500 } })),
  );
  await waitFor(async () => ((await h.stats()).pool.busy === 2 ? true : undefined));
  const refused = await h.execute(h.envelope(install, { http: { path: '/config' } }));
  t.equal(refused.statusCode, 429);
  t.match(refused.json(), { error: { code: 'CONCURRENCY_LIMIT' } });
  t.equal(refused.headers['retry-after'], '1');
  const results = await Promise.all(spinning);
  t.same(
    results.map((r) => r.statusCode),
    [504, 504, 504],
    'the third waited in the queue, then ran out its own timeout',
  );
  const other = await h.execute(h.envelope(echoInstall));
  t.equal(other.statusCode, 200);
});
