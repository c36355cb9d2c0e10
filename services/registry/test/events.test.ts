import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { withSystem } from '@annex/db';
import { buildComponent } from '@annex/sdk/build';
import {
  bundleBytes,
  callApi as api,
  createApiKey,
  publishBundle,
  startTestPlatform,
  TEST_ADMIN_TOKEN,
  testDatabaseKind,
  waitFor,
} from '@annex/test-support';

type Json = Record<string, unknown>;

/** The test guest (fixtures/event-guest), built once per machine and reused while its sources stay the same. */
async function buildGuest(): Promise<Uint8Array> {
  const result = await buildComponent({
    projectDir: fileURLToPath(new URL('./fixtures/event-guest', import.meta.url)),
    outFile: join(tmpdir(), 'annex-test-event-guest', 'main.wasm'),
    cache: true,
  });
  return readFile(result.outFile);
}

// Building the guest (componentize-js, ~15 s uncached) and compiling it per install exceed .taprc's
// file timeout on a busy 2-core machine.
t.setTimeout(300_000);

interface Seen {
  attempts: number[];
  handler: string | null;
  topicHeader: string | null;
  path: string;
  contentType: string | null;
  body: Json;
}

/**
 * Event dispatch end to end: registry → queue → real runner → a JS guest built with the SDK, on
 * PGlite and on PostgreSQL. The guest records every delivery in its KV store, so each case is
 * checked on both sides: the registry's execution log and the guest's own evidence.
 */
t.test(`events reach subscribed installs through the runner (${testDatabaseKind()})`, async (t) => {
  const wasm = await buildGuest();
  // Retries after 1 ms, 2 ms: the retry case runs in no time, and nothing in the test sleeps.
  const platform = await startTestPlatform({ EXT_EVENT_RETRY_DELAY_MS: '1', EXT_EVENT_MAX_ATTEMPTS: '5' });
  t.teardown(() => platform.stop());
  const base = platform.registryUrl;
  const { db } = platform.resources.database;
  const key = (body: Json) => createApiKey(base, TEST_ADMIN_TOKEN, body);
  const publisher = await key({ role: 'publisher', publishers: ['acme'] });
  const tenant = await key({ role: 'tenant', tenantId: 't1' });
  const otherTenant = await key({ role: 'tenant', tenantId: 't2' });
  const gatewayKey = await key({ role: 'gateway' });

  async function publishAndInstall(name: string, events: Json[]): Promise<string> {
    const manifest = {
      name,
      version: '1.0.0',
      capabilities: ['cap:storage.kv'],
      api: { endpoints: [{ method: 'GET', path: '/seen/:id' }] },
      events,
    };
    await publishBundle(base, publisher, await bundleBytes(manifest, wasm));
    const install = await api(base, tenant, 'POST', '/v1/tenants/t1/installs', { extension: `acme.${name}` });
    if (install.status !== 201) throw new Error(`install failed: ${JSON.stringify(install.json)}`);
    return install.json.id as string;
  }

  const seen = async (ext: string, eventId: string) => {
    const res = await fetch(`${base}/api/ext/acme.${ext}/seen/${eventId}`, {
      headers: { authorization: `Bearer ${tenant}` },
    });
    if (res.status !== 200) throw new Error(`seen: ${res.status} ${await res.text()}`);
    return (await res.json()) as Seen;
  };
  const publish = (body: unknown, as = tenant, tenantId = 't1') =>
    api(base, as, 'POST', `/v1/tenants/${tenantId}/events`, body);
  const eventView = async (id: string) =>
    (await api(base, tenant, 'GET', `/v1/tenants/t1/events/${id}`)).json;
  /** Waits until no delivery of the event is pending, and answers the event with its deliveries. */
  const settled = (id: string) =>
    waitFor(
      async () => {
        const view = await eventView(id);
        const deliveries = view.deliveries as Json[];
        return deliveries.every((d) => d.status !== 'pending') ? view : undefined;
      },
      { what: `the deliveries of ${id} to settle`, timeoutMs: 60_000 },
    );
  /** The execution log rows the dispatcher wrote for an event, oldest first. */
  const eventRows = (eventId: string) =>
    withSystem(db, (trx) =>
      trx
        .selectFrom('extension_execution_log')
        .select(['install_id', 'request_id', 'status', 'error', 'source', 'metrics'])
        .where('event_id', '=', eventId)
        .orderBy('started_at')
        .orderBy('request_id')
        .execute(),
    );

  const installA = await publishAndInstall('listener-a', [{ topic: 'ticket.*', handler: 'onTicket' }]);
  const installB = await publishAndInstall('listener-b', [
    { topic: 'ticket.created', filter: { 'ticket.priority': ['low', 'medium'] } },
  ]);
  const installFlaky = await publishAndInstall('flaky', [{ topic: 'job.run' }]);
  await publishAndInstall('sleeper', [{ topic: 'ticket.*' }, { topic: 'job.*' }]);
  t.equal((await api(base, tenant, 'POST', '/v1/tenants/t1/installs/acme.sleeper/disable')).status, 200);

  t.test('two subscribers, one filtered out: exactly one delivery', async (t) => {
    const posted = await publish({
      id: 'e1',
      topic: 'ticket.created',
      payload: { ticket: { priority: 'high' } },
    });
    t.equal(posted.status, 202);
    t.same(posted.json, { id: 'e1', topic: 'ticket.created', deliveries: 1, duplicate: false });

    const view = await settled('e1');
    t.match(view.deliveries, [
      {
        installId: installA,
        extension: { slug: 'acme.listener-a' },
        handler: 'onTicket',
        status: 'delivered',
        attempts: 1,
        lastStatus: 200,
      },
    ]);
    t.equal((view.deliveries as Json[]).length, 1);
    t.notOk(
      (view.deliveries as Json[]).some((d) => d.installId === installB),
      'nothing queued for listener-b',
    );

    const rows = await eventRows('e1');
    t.equal(rows.length, 1, 'one execution log row');
    t.match(rows[0], {
      install_id: installA,
      status: 200,
      error: null,
      source: 'event',
      metrics: { attempt: 1, topic: 'ticket.created' },
    });
    t.match(rows[0]!.request_id, /^evt-e1-[0-9a-f]{12}-1$/);

    const a = await seen('listener-a', 'e1');
    t.same(a.attempts, [1], 'listener-a got it once');
    t.equal(a.path, '/events/ticket.created');
    t.equal(a.handler, 'onTicket', 'x-annex-event-handler names the manifest handler');
    t.equal(a.topicHeader, 'ticket.created');
    t.equal(a.contentType, 'application/json');
    t.match(a.body, {
      id: 'e1',
      topic: 'ticket.created',
      payload: { ticket: { priority: 'high' } },
      tenantId: 't1',
      occurredAt: String,
      attempt: 1,
      handler: 'onTicket',
    });
    t.same((await seen('listener-b', 'e1')).attempts, [], 'listener-b’s filter kept it out');
  });

  t.test('a guest that fails twice is retried to success', async (t) => {
    const posted = await publish({ id: 'e2', topic: 'job.run', payload: { failTimes: 2 } });
    t.same(posted.json, { id: 'e2', topic: 'job.run', deliveries: 1, duplicate: false });
    const view = await settled('e2');
    t.match(view.deliveries, [
      { installId: installFlaky, status: 'delivered', attempts: 3, lastStatus: 200 },
    ]);
    const rows = await eventRows('e2');
    t.same(
      rows.map((r) => [r.status, (r.metrics as Json).attempt]),
      [
        [500, 1],
        [500, 2],
        [200, 3],
      ],
      'one execution row per attempt',
    );
    t.same(new Set(rows.map((r) => r.request_id)).size, 3, 'each attempt has its own request id');
    const flaky = await seen('flaky', 'e2');
    t.same(flaky.attempts, [1, 2, 3], 'the guest saw three attempts, numbered');
  });

  t.test('replaying an event id delivers nothing new', async (t) => {
    const again = await publish({
      id: 'e1',
      topic: 'ticket.created',
      payload: { ticket: { priority: 'high' } },
    });
    t.equal(again.status, 200);
    t.same(again.json, { id: 'e1', topic: 'ticket.created', deliveries: 1, duplicate: true });
    const changed = await publish({
      id: 'e1',
      topic: 'ticket.created',
      payload: { ticket: { priority: 'low' } },
    });
    t.equal(changed.status, 200, 'the first posting of an id wins, whatever the replay carries');
    t.equal(changed.json.duplicate, true);

    // A later event to the same guest, delivered: anything the replays had queued would be due by then.
    t.equal((await publish({ id: 'e3', topic: 'ticket.updated', payload: {} })).json.deliveries, 1);
    await settled('e3');
    t.same((await seen('listener-a', 'e3')).attempts, [1]);
    t.same((await seen('listener-a', 'e1')).attempts, [1], 'listener-a still saw e1 once');
    t.same((await seen('listener-b', 'e1')).attempts, [], 'listener-b still saw nothing');
    t.equal((await eventRows('e1')).length, 1, 'no new execution row');
    t.equal(((await eventView('e1')).deliveries as Json[]).length, 1, 'no new delivery');
  });

  t.test('no subscriber: accepted with no delivery', async (t) => {
    const posted = await publish({ topic: 'nobody.listens', payload: null });
    t.equal(posted.status, 202);
    t.equal(posted.json.deliveries, 0);
    t.match(posted.json.id, /^[0-9a-f-]{36}$/, 'an id is generated when none is given');
    t.same((await eventView(posted.json.id as string)).deliveries, []);
  });

  t.test('a disabled install gets nothing, even once enabled again', async (t) => {
    t.equal((await api(base, tenant, 'POST', '/v1/tenants/t1/installs/acme.sleeper/enable')).status, 200);
    for (const id of ['e1', 'e2', 'e3'])
      t.same((await seen('sleeper', id)).attempts, [], `sleeper never saw ${id}`);
  });

  t.test('gateway and admin keys post for any tenant; tenant keys for their own', async (t) => {
    t.equal((await publish({ topic: 'x.y', payload: 1 }, gatewayKey)).status, 202);
    t.equal((await publish({ topic: 'x.y', payload: 1 }, TEST_ADMIN_TOKEN, 't9')).status, 202);
    const other = await publish({ id: 'e1', topic: 'ticket.created', payload: {} }, tenant, 't2');
    t.equal(other.status, 404, 'another tenant does not exist for a tenant key');
    t.equal(other.json.error && (other.json.error as Json).code, 'TENANT_NOT_FOUND');
    t.equal((await api(base, tenant, 'GET', '/v1/tenants/t2/events/e1')).status, 404);
    const own = await api(base, otherTenant, 'GET', '/v1/tenants/t2/events/e1');
    t.equal(own.status, 404, 't2 has no event e1: ids are per tenant');
    t.equal((own.json.error as Json).code, 'EVENT_NOT_FOUND');
    t.equal(
      (await publish({ id: 'e1', topic: 't', payload: {} }, otherTenant, 't2')).status,
      202,
      'its own e1',
    );
    t.equal((await publish({ topic: 'x.y', payload: 1 }, publisher)).status, 403);
    t.equal(
      (await api(base, undefined, 'POST', '/v1/tenants/t1/events', { topic: 'x.y', payload: 1 })).status,
      401,
    );
  });

  t.test('bad bodies are refused with clear errors', async (t) => {
    const bad = async (body: unknown, pattern: RegExp) => {
      const res = await publish(body);
      t.equal(res.status, 400, JSON.stringify(body).slice(0, 60));
      t.match((res.json.error as Json).message, pattern);
    };
    await bad({ payload: {} }, /topic/);
    await bad({ topic: 'ticket.*', payload: {} }, /topic/);
    await bad({ topic: '', payload: {} }, /topic/);
    await bad({ topic: 'ticket.created' }, /payload/);
    await bad({ topic: 'ticket.created', payload: {}, id: 'has space' }, /id/);
    await bad({ topic: 'ticket.created', payload: {}, id: 'x'.repeat(129) }, /id/);
    await bad({ topic: 'ticket.created', payload: {}, extra: 1 }, /additional/);
    await bad({ topic: 'ticket.created', payload: { s: 'a\u0000b' } }, /NUL/);
    await bad({ topic: 'ticket.created', payload: { ['k\u0000']: 1 } }, /NUL/);
    // 5,000 levels fit the body limit and would exhaust a recursive walk: a 400, not a 500.
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    await bad(`{"topic":"ticket.created","payload":${deep(5000)}}`, /nests deeper than 64/);
    await bad(`{"topic":"ticket.created","payload":${deep(65)}}`, /nests deeper than 64/);
    t.equal(
      (await publish(`{"topic":"nobody.listens","payload":${deep(64)}}`)).status,
      202,
      '64 levels pass',
    );
    await bad('{"topic":', /JSON/);
    const big = await publish({ topic: 'ticket.created', payload: 'x'.repeat(300 * 1024) });
    t.equal(big.status, 413);
    t.equal((big.json.error as Json).code, 'PAYLOAD_TOO_LARGE');
  });
});
