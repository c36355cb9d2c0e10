// Per-minute quotas on direct runner calls: counted per tenant, extension and window, refused with
// 429 QUOTA_EXCEEDED and Retry-After once a limit is reached, written to extension_quota_usage in
// batches that every runner instance shares, and each execution in the execution log.
import t from 'tap';
import { withSystem } from '@annex/db';
import { sql } from 'kysely';
import { scrapeMetrics, tcpReachable, TEST_REDIS_URL, waitFor } from '@annex/test-support';
import { buildEchoComponent } from './components.js';
import { runnerHarness, type Harness, type Install } from './harness.js';

// Pinned 30 s into a minute: the window is 12:00, and a refusal says to retry in 30 s.
let clock = Date.UTC(2026, 0, 1, 12, 0, 30);
const now = () => clock;

const h = await runnerHarness(t, { now, env: { EXT_QUOTA_INVOCATIONS_PER_MINUTE: '2' } });
const hash = await h.publish(await buildEchoComponent());

async function usageRows(harness: Harness, install: Install) {
  await harness.app.runner.usage.flush();
  return withSystem(harness.database.db, (trx) =>
    trx
      .selectFrom('extension_quota_usage')
      .selectAll()
      .where('tenant_id', '=', install.tenantId)
      .where('extension_id', '=', install.extensionId)
      .orderBy('window_start')
      .execute(),
  );
}

async function logRows(harness: Harness, install: Install) {
  await harness.app.runner.executionLog.flush();
  return withSystem(harness.database.db, (trx) =>
    trx
      .selectFrom('extension_execution_log')
      .selectAll()
      .where('extension_id', '=', install.extensionId)
      .orderBy('started_at')
      .execute(),
  );
}

const quota = (invocations: number) => ({
  timeout_ms: 5000,
  memory_mb: 64,
  quota: { invocations_per_minute: invocations },
});

t.test('an invocation limit of N: call N+1 times, the last is refused and all N+1 are counted', async (t) => {
  const install = await h.install(hash, 'quota-a');
  const N = 3;
  const statuses: number[] = [];
  let last;
  for (let i = 0; i <= N; i++) {
    last = await h.execute(h.envelope(install, { limits: quota(N) }));
    statuses.push(last.statusCode);
  }
  t.same(statuses, [200, 200, 200, 429]);
  t.equal(last!.headers['retry-after'], '30', 'Retry-After: until the window ends');
  const body = last!.json() as { error: { code: string; message: string; details: Record<string, unknown> } };
  t.equal(body.error.code, 'QUOTA_EXCEEDED');
  t.match(body.error.message, /invocations quota of 3 per minute/);
  t.same(body.error.details, { quota: 'invocations', limit: 3, window_start: '2026-01-01T12:00:00.000Z' });

  const rows = await usageRows(h, install);
  t.equal(rows.length, 1, 'one row for the window');
  t.equal(Number(rows[0]!.invocations), N + 1, 'the usage row says N+1 attempts');
  t.equal(rows[0]!.window_start.toISOString(), '2026-01-01T12:00:00.000Z');
  t.ok(Number(rows[0]!.cpu_ms) >= 0 && Number(rows[0]!.mem_mb_ms) >= 0);

  const log = await logRows(h, install);
  t.equal(log.length, N + 1, 'every attempt is in the execution log');
  t.same(
    log.map((r) => [r.source, r.status, r.error]),
    [
      ['runner', 200, null],
      ['runner', 200, null],
      ['runner', 200, null],
      ['runner', 429, 'QUOTA_EXCEEDED'],
    ],
    'the refused one says why',
  );
});

t.test('the next window admits calls again; its usage is a new row', async (t) => {
  const install = await h.install(hash, 'quota-b');
  t.equal((await h.execute(h.envelope(install, { limits: quota(1) }))).statusCode, 200);
  t.equal((await h.execute(h.envelope(install, { limits: quota(1) }))).statusCode, 429);
  clock += 60_000;
  t.teardown(() => {
    clock -= 60_000;
  });
  t.equal((await h.execute(h.envelope(install, { limits: quota(1) }))).statusCode, 200);
  const rows = await usageRows(h, install);
  t.same(
    rows.map((r) => Number(r.invocations)),
    [2, 1],
  );
});

t.test('without a quota in the envelope the platform default applies; 0 is unlimited', async (t) => {
  const install = await h.install(hash, 'quota-c');
  const noQuota = { timeout_ms: 5000, memory_mb: 64 };
  const statuses = [];
  for (let i = 0; i < 3; i++)
    statuses.push((await h.execute(h.envelope(install, { limits: noQuota }))).statusCode);
  t.same(statuses, [200, 200, 429], 'EXT_QUOTA_INVOCATIONS_PER_MINUTE=2');

  const other = await h.install(hash, 'quota-d');
  const unlimited = [];
  for (let i = 0; i < 4; i++)
    unlimited.push((await h.execute(h.envelope(other, { limits: quota(0) }))).statusCode);
  t.same(unlimited, [200, 200, 200, 200], 'an install quota of 0 is unlimited');
});

t.test('run time and memory are charged; a cpu limit refuses once it is used up', async (t) => {
  const install = await h.install(hash, 'quota-e');
  const limits = {
    timeout_ms: 5000,
    memory_mb: 64,
    quota: { invocations_per_minute: 0, cpu_ms_per_minute: 1 },
  };
  // The first call runs (nothing used yet) and uses more than 1 ms; the second is refused.
  t.equal((await h.execute(h.envelope(install, { limits }))).statusCode, 200);
  const refused = await h.execute(h.envelope(install, { limits }));
  t.equal(refused.statusCode, 429);
  t.equal((refused.json() as { error: { details: { quota: string } } }).error.details.quota, 'cpu_ms');
  const [row] = await usageRows(h, install);
  t.ok(Number(row!.cpu_ms) >= 1, 'cpu_ms charged');
  t.ok(Number(row!.mem_mb_ms) > 0, 'mem_mb_ms charged');
});

t.test('a caller that records its own executions gets no runner row; its calls still count', async (t) => {
  const install = await h.install(hash, 'quota-f');
  const res = await h.execute(h.envelope(install, { limits: quota(5) }), { 'x-annex-recorded-by': 'caller' });
  t.equal(res.statusCode, 200);
  t.same(await logRows(h, install), []);
  t.equal(Number((await usageRows(h, install))[0]!.invocations), 1);
});

t.test('while the database refuses writes, log rows and usage wait for the next flush', async (t) => {
  const install = await h.install(hash, 'quota-outage');
  const { db } = h.database;
  // A real failure of the real database: both tables are away for a moment.
  const rename = async (from: string, to: string) => {
    await sql`alter table ${sql.table(`extension_execution_log${from}`)} rename to ${sql.table(`extension_execution_log${to}`)}`.execute(
      db,
    );
    await sql`alter table ${sql.table(`extension_quota_usage${from}`)} rename to ${sql.table(`extension_quota_usage${to}`)}`.execute(
      db,
    );
  };
  await rename('', '_away');
  try {
    for (let i = 0; i < 2; i++) {
      t.equal((await h.execute(h.envelope(install, { limits: quota(10) }))).statusCode, 200);
    }
    await h.app.runner.executionLog.flush();
    await h.app.runner.usage.flush();
    const failures = h.logs().filter((l) => /not written; retrying/.test(String(l.msg)));
    t.ok(failures.length >= 2, 'both writers said they will retry');
  } finally {
    await rename('_away', '');
  }
  t.equal((await logRows(h, install)).length, 2, 'the two rows were kept and written');
  t.equal(Number((await usageRows(h, install))[0]!.invocations), 2, 'and so was the usage');
});

t.test('instances share usage through the database', async (t) => {
  const second = await runnerHarness(t, { now, database: h.database });
  // The same bytes in both stores (each harness has its own): a fixed salt gives the same hash.
  const component = await buildEchoComponent();
  const shared = await h.publish(component, { salt: 'shared' });
  t.equal(await second.publish(component, { salt: 'shared' }), shared);
  const install = await h.install(shared, 'quota-g');
  t.equal((await h.execute(h.envelope(install, { limits: quota(3) }))).statusCode, 200);
  t.equal((await h.execute(h.envelope(install, { limits: quota(3) }))).statusCode, 200);
  await h.app.runner.usage.flush();
  // The second instance first sees this window now, and reads the two calls the first one wrote.
  const statuses = [];
  for (let i = 0; i < 2; i++)
    statuses.push((await second.execute(second.envelope(install, { limits: quota(3) }))).statusCode);
  t.same(statuses, [200, 429]);
  const [row] = await usageRows(second, install);
  t.equal(Number(row!.invocations), 4, 'both instances wrote to the same row');
});

t.test(
  'with REDIS_URL, instances see each other’s calls at once',
  {
    skip: !(await tcpReachable(TEST_REDIS_URL)) && `no Redis at ${TEST_REDIS_URL} (set ANNEX_TEST_REDIS_URL)`,
  },
  async (t) => {
    // A window of its own in Redis: keys outlive a test run by minutes.
    const redisClock = () => clock + 7 * 24 * 3600 * 1000 + (process.pid % 1000) * 60_000;
    const env = { REDIS_URL: TEST_REDIS_URL };
    const a = await runnerHarness(t, { now: redisClock, env, limits: { usageFlushMs: 3_600_000 } });
    const b = await runnerHarness(t, {
      now: redisClock,
      env,
      database: a.database,
      limits: { usageFlushMs: 3_600_000 },
    });
    const component = await buildEchoComponent();
    const shared = await a.publish(component, { salt: 'redis' });
    await b.publish(component, { salt: 'redis' });
    for (const r of [a, b]) {
      await waitFor(() => (r.app.runner.redis?.status === 'ready' ? true : undefined), {
        timeoutMs: 10_000,
        what: 'Redis connected',
      });
    }
    t.equal((await scrapeMetrics(a.app)).value('annex_redis_up'), 1, 'annex_redis_up shows the connection');
    const install = await a.install(shared, `quota-redis-${process.pid}-${Date.now()}`);
    t.equal((await a.execute(a.envelope(install, { limits: quota(3) }))).statusCode, 200);
    t.equal((await a.execute(a.envelope(install, { limits: quota(3) }))).statusCode, 200);
    // Nothing flushed to the database yet (the flush interval is an hour): only Redis can tell b.
    const statuses = [];
    for (let i = 0; i < 2; i++)
      statuses.push((await b.execute(b.envelope(install, { limits: quota(3) }))).statusCode);
    t.same(statuses, [200, 429]);
    await a.app.runner.usage.flush();
    const [row] = await usageRows(b, install);
    t.equal(Number(row!.invocations), 4, 'the database rows still record every attempt');
  },
);
