// Quotas through the gateway, the execution log's filters and pages, the usage API, and the
// retention purge: the real runner behind the registry (the embedded platform over HTTP).
import t from 'tap';
import { withSystem } from '@annex/db';
import { buildEchoComponent } from '@annex/example-echo-wat';
import { purgeExpired } from '@annex/registry';
import {
  bundleBytes,
  callApi,
  createApiKey,
  createTestDatabase,
  publishBundle,
  seedExtension,
  startTestPlatform,
  TEST_ADMIN_TOKEN,
  testDatabaseKind,
  waitFor,
} from '@annex/test-support';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const platform = await startTestPlatform();
t.teardown(() => platform.stop());
const base = platform.registryUrl;

async function api(key: string, method: string, path: string, body?: unknown) {
  const answer = await callApi(base, key, method, path, body);
  return { ...answer, json: answer.json as Json };
}

const key = (body: Json) => createApiKey(base, TEST_ADMIN_TOKEN, body);
const publisher = await key({ role: 'publisher', publishers: ['acme'] });
const tenant = await key({ role: 'tenant', tenantId: 't1' });
const otherTenant = await key({ role: 'tenant', tenantId: 't2' });

// Setup failures throw: tap takes no assertions at the top level after an await.
await publishBundle(
  base,
  publisher,
  await bundleBytes(
    { name: 'echo', version: '1.0.0', api: { endpoints: [{ method: 'GET', path: '/ping' }] } },
    await buildEchoComponent(),
  ),
);
const installed = await api(tenant, 'POST', '/v1/tenants/t1/installs', { extension: 'acme.echo' });
if (installed.status !== 201) throw new Error(`install: ${JSON.stringify(installed.json)}`);

const call = (requestId: string) =>
  fetch(`${base}/api/ext/acme.echo/ping`, {
    headers: { authorization: `Bearer ${tenant}`, 'x-request-id': requestId },
  });

t.test('an install shows the quotas in force: the platform defaults until it sets its own', async (t) => {
  t.same(installed.json.quota, {
    invocationsPerMinute: 60000,
    cpuMsPerMinute: 300000,
    memMbMsPerMinute: 38400000,
    egressBytesPerMinute: 1073741824,
  });
  const raise = await api(tenant, 'PATCH', '/v1/tenants/t1/installs/acme.echo', {
    quota: { invocationsPerMinute: 100000 },
  });
  t.equal(raise.status, 403, 'a tenant cannot loosen a quota past the platform default');
  t.match(raise.json.error.message, /only an admin key/);
  const unlimited = await api(tenant, 'PATCH', '/v1/tenants/t1/installs/acme.echo', {
    quota: { cpuMsPerMinute: 0 },
  });
  t.equal(unlimited.status, 403, 'nor make it unlimited');
  const bad = await api(tenant, 'PATCH', '/v1/tenants/t1/installs/acme.echo', {
    quota: { invocationsPerMinute: -1 },
  });
  t.equal(bad.status, 400);
  const unknownField = await api(tenant, 'PATCH', '/v1/tenants/t1/installs/acme.echo', {
    quota: { invocationsPerMinute: 1, callsPerHour: 5 },
  });
  t.equal(unknownField.status, 400, 'an unknown limit is refused, not ignored');
  const tighter = await api(tenant, 'PATCH', '/v1/tenants/t1/installs/acme.echo', {
    quota: { invocationsPerMinute: 1000 },
  });
  t.equal(tighter.status, 200, 'a tenant may tighten one');
  t.equal(tighter.json.quota.invocationsPerMinute, 1000);
  t.equal(tighter.json.quota.cpuMsPerMinute, 300000, 'the others stay the defaults');
  const cross = await api(otherTenant, 'PATCH', '/v1/tenants/t1/installs/acme.echo', {
    quota: { invocationsPerMinute: 1 },
  });
  t.equal(cross.status, 404, 'another tenant’s key finds nothing');
});

t.test('an invocation limit of N: call N+1 times through the gateway', async (t) => {
  const N = 3;
  const set = await api(TEST_ADMIN_TOKEN, 'PATCH', '/v1/tenants/t1/installs/acme.echo', {
    quota: { invocationsPerMinute: N },
  });
  t.equal(set.status, 200);
  const resolved = await api(
    tenant,
    'GET',
    '/v1/tenants/t1/installs/acme.echo/resolve?method=GET&path=/ping',
  );
  t.equal(
    resolved.json.limits.quota.invocations_per_minute,
    N,
    'resolve hands the quota to external gateways',
  );

  // Quotas count per minute: start early enough in one that N+1 calls cannot straddle two.
  await waitFor(() => (new Date().getSeconds() < 45 ? true : undefined), {
    timeoutMs: 20_000,
    what: 'a fresh minute',
  });
  const windowStart = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
  const statuses: number[] = [];
  let last: Response | undefined;
  for (let i = 0; i <= N; i++) {
    last = await call(`quota-${i}`);
    statuses.push(last.status);
    if (i < N) await last.arrayBuffer();
  }
  t.same(statuses, [200, 200, 200, 429]);
  const retryAfter = Number(last!.headers.get('retry-after'));
  t.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After until the window ends (${retryAfter})`);
  const body = (await last!.json()) as Json;
  t.equal(body.error.code, 'QUOTA_EXCEEDED');
  t.match(body.error.details, { quota: 'invocations', limit: N, window_start: windowStart });

  const refused = await api(tenant, 'GET', '/v1/tenants/t1/executions?error=QUOTA_EXCEEDED');
  t.equal(refused.json.items.length, 1, 'the execution log says why');
  t.match(refused.json.items[0], {
    requestId: 'quota-3',
    status: 429,
    source: 'gateway',
    error: 'QUOTA_EXCEEDED',
  });

  const usage = await waitFor(
    async () => {
      const res = await api(tenant, 'GET', '/v1/tenants/t1/usage?extension=acme.echo');
      const row = (res.json.items as Json[]).find((r) => r.windowStart === windowStart);
      return row && row.invocations === N + 1 ? row : undefined;
    },
    { what: 'the usage row to count N+1 attempts' },
  );
  t.equal(usage.invocations, N + 1, 'the usage row says N+1 attempts');
  t.ok(usage.cpuMs > 0, 'run time charged');
  t.equal(
    (await api(otherTenant, 'GET', '/v1/tenants/t1/usage')).status,
    404,
    'usage: another tenant gets 404',
  );
  t.same((await api(otherTenant, 'GET', '/v1/tenants/t2/usage')).json.items, [], 'and sees none of t1’s');
  t.equal((await api(tenant, 'GET', '/v1/tenants/t1/usage?since=yesterday')).status, 400);

  const reset = await api(TEST_ADMIN_TOKEN, 'PATCH', '/v1/tenants/t1/installs/acme.echo', { quota: null });
  t.equal(reset.json.quota.invocationsPerMinute, 60000, 'null returns to the platform defaults');
});

t.test('the execution log: filters and pages', async (t) => {
  for (let i = 0; i < 3; i++) await (await call(`page-${i}`)).arrayBuffer();
  const all = await api(tenant, 'GET', '/v1/tenants/t1/executions?source=gateway&limit=500');
  const ids = (all.json.items as Json[]).map((r) => r.id as string);
  t.ok(ids.length >= 7);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { json: Json } = await api(
      tenant,
      'GET',
      `/v1/tenants/t1/executions?source=gateway&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
    );
    t.ok(page.json.items.length <= 2);
    seen.push(...(page.json.items as Json[]).map((r) => r.id as string));
    cursor = page.json.nextCursor as string | null;
  } while (cursor);
  t.same(seen, ids, 'pages of 2 walk the same rows, newest first, none twice');
  const one = await api(tenant, 'GET', '/v1/tenants/t1/executions?requestId=page-1');
  t.same(
    (one.json.items as Json[]).map((r) => [r.requestId, r.status, r.eventId]),
    [['page-1', 200, null]],
  );
  t.equal(
    (await api(tenant, 'GET', '/v1/tenants/t1/executions?cursor=bm9wZQ')).json.error.code,
    'INVALID_CURSOR',
  );
  // Well-formed but forged: a date that parses and an id that is no uuid.
  const forged = Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', 'x'])).toString('base64url');
  const forgedAnswer = await api(tenant, 'GET', `/v1/tenants/t1/executions?cursor=${forged}`);
  t.equal(forgedAnswer.status, 400);
  t.equal(forgedAnswer.json.error.code, 'INVALID_CURSOR');
  for (const since of ['1', 'yesterday', '2026-13-45']) {
    t.equal((await api(tenant, 'GET', `/v1/tenants/t1/executions?since=${since}`)).status, 400, since);
  }
  t.equal((await api(tenant, 'GET', '/v1/tenants/t1/executions?since=2026-01-01')).status, 200);
  t.equal((await api(tenant, 'GET', '/v1/tenants/t1/executions?source=cron')).status, 400);
  t.same((await api(tenant, 'GET', '/v1/tenants/t1/executions?source=runner')).json.items, []);
  t.equal((await api(otherTenant, 'GET', '/v1/tenants/t1/executions')).status, 404);
  t.same((await api(otherTenant, 'GET', '/v1/tenants/t2/executions')).json.items, []);
});

t.test(
  `the retention purge deletes only what is older than the retention (${testDatabaseKind()})`,
  async (t) => {
    const database = await createTestDatabase();
    t.teardown(() => database.close());
    const { db } = database;
    const extensionId = await seedExtension(database.db);
    const now = Date.UTC(2026, 5, 1);
    const day = 24 * 3600 * 1000;
    await withSystem(db, async (trx) => {
      for (const [id, age] of [
        ['old', 31 * day],
        ['new', 29 * day],
      ] as const) {
        await trx
          .insertInto('extension_execution_log')
          .values({
            tenant_id: 't1',
            extension_id: extensionId,
            install_id: null,
            request_id: id,
            started_at: new Date(now - age),
            finished_at: new Date(now - age),
            status: 200,
            metrics: '{}',
            error: null,
          })
          .execute();
        await trx
          .insertInto('extension_quota_usage')
          .values({
            tenant_id: 't1',
            extension_id: extensionId,
            window_start: new Date(now - age),
            invocations: 1,
          })
          .execute();
        await trx
          .insertInto('extension_event')
          .values({ tenant_id: 't1', id, topic: 'x', payload: '{}', received_at: new Date(now - age) })
          .execute();
      }
    });
    const counts = await purgeExpired(db, 30, now);
    t.same(counts, { extension_execution_log: 1, extension_quota_usage: 1, extension_event: 1 });
    const left = await withSystem(db, async (trx) => ({
      log: (await trx.selectFrom('extension_execution_log').select('request_id').execute()).map(
        (r) => r.request_id,
      ),
      usage: (await trx.selectFrom('extension_quota_usage').select('invocations').execute()).length,
      events: (await trx.selectFrom('extension_event').select('id').execute()).map((r) => r.id),
    }));
    t.same(left, { log: ['new'], usage: 1, events: ['new'] });
    t.same(await purgeExpired(db, 30, now), {
      extension_execution_log: 0,
      extension_quota_usage: 0,
      extension_event: 0,
    });
  },
);
