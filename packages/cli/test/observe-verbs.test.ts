import t from 'tap';
import {
  bundleBytes,
  callApi as api,
  createApiKey,
  publishBundle,
  startTestPlatform,
  TEST_ADMIN_TOKEN,
  tempDir,
  testDatabaseKind,
  waitFor,
} from '@annex/test-support';
import { annex } from './cli-harness.js';

// Each verb is a node process (about 1 s to start): more than .taprc's file timeout on a busy machine.
t.setTimeout(300_000);

t.test(`executions, usage and quota verbs (${testDatabaseKind()})`, async (t) => {
  const platform = await startTestPlatform();
  t.teardown(() => platform.stop());
  const configDir = tempDir();
  t.teardown(configDir.remove);
  const base = platform.registryUrl;
  const publisher = await createApiKey(base, TEST_ADMIN_TOKEN, { role: 'publisher', publishers: ['acme'] });
  const tenantKey = await createApiKey(base, TEST_ADMIN_TOKEN, { role: 'tenant', tenantId: 't1' });
  // Not a runnable component: each call is a runner failure (502), which is still an execution.
  await publishBundle(
    base,
    publisher,
    await bundleBytes({
      name: 'broken',
      version: '1.0.0',
      api: { endpoints: [{ method: 'GET', path: '/x' }] },
    }),
  );
  t.equal(
    (await api(base, tenantKey, 'POST', '/v1/tenants/t1/installs', { extension: 'acme.broken' })).status,
    201,
  );
  for (const id of ['cli-1', 'cli-2']) {
    const res = await fetch(`${base}/api/ext/acme.broken/x`, {
      headers: { authorization: `Bearer ${tenantKey}`, 'x-request-id': id },
    });
    t.equal(res.status, 502);
  }
  const env = {
    ANNEX_CONFIG_DIR: configDir.path,
    ANNEX_REGISTRY_URL: base,
    ANNEX_API_KEY: tenantKey,
    ANNEX_TENANT_ID: 't1',
  };

  t.test('executions: filters, pages and the next-page hint', async (t) => {
    const all = await annex(['--json', 'executions', '--source', 'gateway'], env);
    t.equal(all.code, 0, all.stderr);
    const page = JSON.parse(all.stdout) as { items: { requestId: string; error: string }[] };
    t.same(
      page.items.map((i) => i.requestId),
      ['cli-2', 'cli-1'],
    );
    t.match(page.items[0], { error: 'RUNNER_ERROR' });
    const first = await annex(['executions', '--limit', '1'], env);
    t.equal(first.code, 0, first.stderr);
    t.match(first.stdout, /cli-2/);
    const cursor = /--cursor (\S+)/.exec(first.stdout)?.[1];
    t.ok(cursor, 'a full page says how to get the next one');
    const second = await annex(['executions', '--limit', '1', '--cursor', cursor!], env);
    t.match(second.stdout, /cli-1/);
    t.notMatch(second.stdout, /cli-2/);
    t.match(first.stdout, /more: the same command with --cursor/);
    for (const limit of ['many', '0', '501']) {
      const bad = await annex(['executions', '--limit', limit], env);
      t.equal(bad.code, 2, limit);
      t.match(bad.stderr, /--limit takes a whole number from 1 to 500/);
    }
    const badSource = await annex(['executions', '--source', 'cron'], env);
    t.equal(badSource.code, 2);
    t.match(badSource.stderr, /--source takes gateway, event, runner/);
    const none = await annex(['--json', 'executions', '--until', '2000-01-01T00:00:00Z'], env);
    t.equal(none.code, 0, none.stderr);
    t.same((JSON.parse(none.stdout) as { items: unknown[] }).items, [], '--until bounds the query');
  });

  t.test('usage: every attempt is counted', async (t) => {
    await waitFor(
      async () => {
        const res = await api(base, tenantKey, 'GET', '/v1/tenants/t1/usage');
        return (res.json.items as { invocations: number }[])?.[0]?.invocations === 2 ? true : undefined;
      },
      { what: 'usage written' },
    );
    const res = await annex(['usage'], env);
    t.equal(res.code, 0, res.stderr);
    t.match(res.stdout, /2 calls/);
  });

  t.test('quota: show, tighten, refuse to loosen, reset', async (t) => {
    const shown = await annex(['quota', 'acme.broken'], env);
    t.equal(shown.code, 0, shown.stderr);
    t.match(shown.stdout, /quota: invocations 60000, cpu ms 300000/);
    const tight = await annex(['--json', 'quota', 'acme.broken', '--invocations', '5'], env);
    t.equal(tight.code, 0, tight.stderr);
    t.equal(
      (JSON.parse(tight.stdout) as { quota: { invocationsPerMinute: number } }).quota.invocationsPerMinute,
      5,
    );
    const loose = await annex(['quota', 'acme.broken', '--invocations', '0'], env);
    t.equal(loose.code, 1);
    t.match(loose.stderr, /only an admin key/);
    const reset = await annex(['quota', 'acme.broken', '--reset'], env);
    t.match(reset.stdout, /invocations 60000/);
    t.equal((await annex(['quota', 'acme.broken', '--invocations', 'x'], env)).code, 2);
  });
});
