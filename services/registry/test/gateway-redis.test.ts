import t from 'tap';
import { scrapeMetrics, tcpReachable, TEST_REDIS_URL, testDatabaseKind, waitFor } from '@annex/test-support';
import { registryHarness } from './harness.js';
import { publishVersion } from './publish.js';
import { startRunnerStub } from './runner-stub.js';

const REDIS_URL = TEST_REDIS_URL;

t.test(
  `gateway rate limits shared through Redis across instances (${testDatabaseKind()})`,
  { skip: !(await tcpReachable(REDIS_URL)) && `no Redis at ${REDIS_URL} (set ANNEX_TEST_REDIS_URL)` },
  async (t) => {
    const stub = await startRunnerStub(t);
    const env = { RUNNER_BASE_URL: stub.url, REDIS_URL, EXT_GATEWAY_RATE_LIMIT: '3' };
    const first = await registryHarness(t, env);
    const second = await registryHarness(t, env, { database: first.database });
    const pub = await first.key('publisher', { publishers: ['acme'] });
    await publishVersion(first, pub, { version: '1.0.0' });
    const key = await first.key('tenant', { tenantId: 't1' });
    await first.call('POST', '/v1/tenants/t1/installs', key, { extension: 'acme.hello' });
    // Calls are let through while Redis is still connecting; start counting once both are connected.
    for (const h of [first, second]) {
      await waitFor(
        async () => ((await scrapeMetrics(h.app)).value('annex_redis_up') === 1 ? true : undefined),
        { timeoutMs: 10_000, what: 'Redis connected' },
      );
    }
    const call = (h: typeof first) =>
      h.app.inject({ url: '/api/ext/acme.hello/hello', headers: { authorization: `Bearer ${key}` } });

    t.equal((await call(first)).statusCode, 200);
    t.equal((await call(second)).statusCode, 200);
    const third = await call(first);
    t.equal(third.statusCode, 200);
    t.equal(third.headers['x-ratelimit-remaining'], '0', 'both instances count in one place');
    const limited = await call(second);
    t.equal(limited.statusCode, 429);
    t.equal(limited.json().error.code, 'RATE_LIMITED');
    t.match(limited.headers['retry-after'], /^[1-9]\d*$/);
    t.equal(stub.calls.length, 3);

    t.equal((await second.app.inject({ url: '/readyz' })).statusCode, 200);
  },
);

t.test(
  `an unreachable Redis lets calls through, keeps the registry ready and shows on /metrics (${testDatabaseKind()})`,
  async (t) => {
    const stub = await startRunnerStub(t);
    const h = await registryHarness(t, {
      RUNNER_BASE_URL: stub.url,
      REDIS_URL: 'redis://127.0.0.1:9',
      EXT_GATEWAY_RATE_LIMIT: '1',
    });
    const pub = await h.key('publisher', { publishers: ['acme'] });
    await publishVersion(h, pub, { version: '1.0.0' });
    const key = await h.key('tenant', { tenantId: 't1' });
    await h.call('POST', '/v1/tenants/t1/installs', key, { extension: 'acme.hello' });
    for (let i = 0; i < 2; i++) {
      const res = await h.app.inject({
        url: '/api/ext/acme.hello/hello',
        headers: { authorization: `Bearer ${key}` },
      });
      t.equal(res.statusCode, 200, 'not limited while the store is down');
    }
    // Readiness would take every replica out of its Service for an outage the gateway rides out.
    const ready = await h.app.inject({ url: '/readyz' });
    t.equal(ready.statusCode, 200);
    t.notMatch(JSON.stringify(ready.json()), /redis/);
    t.equal((await scrapeMetrics(h.app)).value('annex_redis_up'), 0);
  },
);
