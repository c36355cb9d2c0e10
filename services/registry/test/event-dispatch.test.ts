import { randomUUID } from 'node:crypto';
import t from 'tap';
import { json, withSystem, withTenant } from '@annex/db';
import { testDatabaseKind, waitFor } from '@annex/test-support';
import { registryHarness } from './harness.js';
import { publishVersion } from './publish.js';
import { startRunnerStub, type StubAnswer, type StubCall } from './runner-stub.js';

type Json = Record<string, unknown>;

interface DeliveryJson {
  id: string;
  installId: string;
  handler: string | null;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  updatedAt: string;
}

const eventOf = (call: StubCall) =>
  JSON.parse(Buffer.from(call.envelope.http.body_b64 ?? '', 'base64').toString()) as {
    id: string;
    payload: { mode?: string };
    attempt: number;
  };

/**
 * How the stub runner answers an event delivery: chosen by the event's `payload.mode`, so every
 * case of the delivery contract can be posted side by side.
 */
function answerFor(call: StubCall): StubAnswer {
  if (call.envelope.context.event_id === undefined) return { guest: { status: 200 } }; // a gateway call
  const event = eventOf(call);
  switch (event.payload.mode) {
    case 'guest-404':
      return { guest: { status: 404 } };
    case 'always-500':
      return { guest: { status: 500 } };
    case 'runner-503-once':
      return event.attempt === 1
        ? { status: 503, body: { error: { code: 'STORE_UNAVAILABLE', message: 'down' } } }
        : { guest: { status: 204 } };
    case 'runner-404':
      return { status: 404, body: { error: { code: 'BUNDLE_NOT_FOUND', message: 'gone' } } };
    case 'retry-later':
      return { guest: { status: 429, headers: { 'retry-after': '3600' } } };
    default:
      return { guest: { status: 200 } };
  }
}

/**
 * The dispatcher's contract against a stub runner (every failure mode on demand): what is retried,
 * what is given up, Retry-After, leases of crashed workers, installs that change under a queued
 * delivery, and how subscriptions follow the install's version.
 */
t.test(`event dispatch (${testDatabaseKind()})`, async (t) => {
  const stub = await startRunnerStub(t);
  stub.answer(answerFor);
  const h = await registryHarness(
    t,
    { RUNNER_BASE_URL: stub.url, EXT_EVENT_RETRY_DELAY_MS: '1', EXT_EVENT_MAX_ATTEMPTS: '3' },
    { eventPollIntervalMs: 20 },
  );
  const { db } = h.database;
  const pub = await h.key('publisher', { publishers: ['acme'] });
  const key = await h.key('tenant', { tenantId: 't1' });
  await publishVersion(h, pub, {
    name: 'sub',
    version: '1.0.0',
    events: [
      { topic: 'a.*', handler: 'h1' },
      { topic: 'a.b', handler: 'h1' },
      { topic: 'a.b', handler: 'h2', filter: '{"kind":["x","y"]}' },
      { topic: 'crm/*', filter: 'not json' },
    ],
  });
  await publishVersion(h, pub, { name: 'sub', version: '1.1.0', events: [{ topic: 'other.topic' }] });
  const installed = await h.call('POST', '/v1/tenants/t1/installs', key, {
    extension: 'acme.sub',
    version: '1.0.0',
  });
  t.equal(installed.statusCode, 201);
  const install = installed.json() as { id: string; extension: { id: string } };

  const post = async (topic: string, payload: unknown, id = randomUUID()) => {
    const res = await h.call('POST', '/v1/tenants/t1/events', key, { id, topic, payload });
    return { id, status: res.statusCode, body: res.json() as Json };
  };
  const deliveries = async (id: string) =>
    ((await h.call('GET', `/v1/tenants/t1/events/${id}`, key)).json() as { deliveries: DeliveryJson[] })
      .deliveries;
  const settled = (id: string) =>
    waitFor(
      async () => {
        const list = await deliveries(id);
        return list.every((d) => d.status !== 'pending') ? list : undefined;
      },
      { what: `deliveries of ${id} to settle` },
    );
  const rows = (eventId: string) =>
    withSystem(db, (trx) =>
      trx
        .selectFrom('extension_execution_log')
        .select(['status', 'error', 'source', 'request_id', 'install_id'])
        .where('event_id', '=', eventId)
        .orderBy('started_at')
        .execute(),
    );
  const callsFor = (eventId: string) => stub.calls.filter((c) => c.envelope.context.event_id === eventId);

  t.test('one delivery per install and handler; the guest sees the event contract', async (t) => {
    const { id, status, body } = await post('a.b', { kind: 'x' });
    t.equal(status, 202);
    t.equal(body.deliveries, 2, 'h1 (two matching subscriptions) and h2');
    const list = await settled(id);
    t.same(list.map((d) => [d.handler, d.status, d.attempts]).sort(), [
      ['h1', 'delivered', 1],
      ['h2', 'delivered', 1],
    ]);
    const calls = callsFor(id);
    t.equal(calls.length, 2);
    const h1 = calls.find((c) => c.envelope.http.headers['x-annex-event-handler'] === 'h1')!;
    t.equal(h1.headers['x-annex-recorded-by'], 'caller', 'the registry writes the execution row');
    t.match(h1.envelope, {
      context: { tenant_id: 't1', install_id: install.id, event_id: id },
      http: {
        method: 'POST',
        path: '/events/a.b',
        query: {},
        headers: {
          'content-type': 'application/json',
          'x-annex-event-id': id,
          'x-annex-event-topic': 'a.b',
          'x-annex-event-attempt': '1',
        },
      },
    });
    t.equal(h1.envelope.http.headers['x-request-id'], h1.envelope.context.request_id);
    t.equal(h1.headers['x-request-id'], h1.envelope.context.request_id);
    t.match(eventOf(h1), { id, topic: 'a.b', payload: { kind: 'x' }, tenantId: 't1', attempt: 1 });
    t.same(
      (await rows(id)).map((r) => [r.source, r.status]),
      [
        ['event', 200],
        ['event', 200],
      ],
    );

    const other = await post('a.b', { kind: 'z' });
    t.equal(other.body.deliveries, 1, 'h2’s filter excludes kind z');
    t.equal(
      (await post('crm/contact', {})).body.deliveries,
      0,
      'an unparseable string filter matches nothing',
    );
  });

  t.test('a client cannot forge an event delivery through the gateway', async (t) => {
    const res = await h.app.inject({
      url: '/api/ext/acme.sub/hello',
      headers: { authorization: `Bearer ${key}`, 'x-annex-event-id': 'forged', 'x-annex-event-topic': 'a.b' },
    });
    t.equal(res.statusCode, 200);
    const call = stub.calls.findLast((c) => c.envelope.context.request_id === res.headers['x-request-id']);
    const headers = call!.envelope.http.headers;
    t.notOk(
      Object.keys(headers).some((name) => name.startsWith('x-annex-')),
      'no x-annex-* reaches the guest',
    );
  });

  t.test('topics are URL-encoded into the guest path', async (t) => {
    const { id } = await post('a.x/y:z', {});
    await settled(id);
    t.equal(callsFor(id)[0]!.envelope.http.path, '/events/a.x%2Fy%3Az');
  });

  t.test('retried: runner 5xx; given up at once: guest 4xx, runner 4xx', async (t) => {
    const flaky = await post('a.c', { mode: 'runner-503-once' });
    const guest404 = await post('a.c', { mode: 'guest-404' });
    const runner404 = await post('a.c', { mode: 'runner-404' });
    t.match(await settled(flaky.id), [
      { status: 'delivered', attempts: 2, lastStatus: 204, lastError: null },
    ]);
    t.same(
      (await rows(flaky.id)).map((r) => [r.status, r.error]),
      [
        [503, 'STORE_UNAVAILABLE'],
        [204, null],
      ],
    );
    t.match(await settled(guest404.id), [{ status: 'failed', attempts: 1, lastStatus: 404 }]);
    t.equal((await rows(guest404.id)).length, 1);
    t.match(await settled(runner404.id), [{ status: 'failed', attempts: 1, lastError: 'BUNDLE_NOT_FOUND' }]);
  });

  t.test('after EXT_EVENT_MAX_ATTEMPTS the delivery is failed', async (t) => {
    const { id } = await post('a.c', { mode: 'always-500' });
    t.match(await settled(id), [{ status: 'failed', attempts: 3, lastStatus: 500 }]);
    t.same(
      (await rows(id)).map((r) => r.status),
      [500, 500, 500],
    );
    t.same(
      callsFor(id).map((c) => c.envelope.http.headers['x-annex-event-attempt']),
      ['1', '2', '3'],
    );
    t.equal(new Set(callsFor(id).map((c) => c.envelope.context.request_id)).size, 3);
  });

  t.test('Retry-After is a lower bound for the next attempt', async (t) => {
    const { id } = await post('a.c', { mode: 'retry-later' });
    const [delivery] = await waitFor(
      async () => {
        const list = await deliveries(id);
        return list[0]?.attempts === 1 && list[0].lastStatus === 429 ? list : undefined;
      },
      { what: 'the first attempt' },
    );
    t.equal(delivery!.status, 'pending');
    const wait = Date.parse(delivery!.nextAttemptAt!) - Date.parse(delivery!.updatedAt);
    t.ok(wait >= 3_599_000, `the retry waits for Retry-After (${wait} ms), not the 1 ms backoff`);
    // Out of the queue, so the rest of the file does not wait on it.
    await withSystem(db, (trx) =>
      trx
        .updateTable('extension_event_delivery')
        .set({ status: 'failed' })
        .where('event_id', '=', id)
        .execute(),
    );
  });

  /** Queues a delivery as a publish would, for an install chosen by the test. */
  async function queue(installId: string, extensionId: string, extra: Json = {}) {
    const id = randomUUID();
    await withTenant(db, 't1', async (trx) => {
      await trx
        .insertInto('extension_event')
        .values({ tenant_id: 't1', id, topic: 'a.b', payload: json({ kind: 'x' }), deliveries: 1 })
        .execute();
      await trx
        .insertInto('extension_event_delivery')
        .values({
          tenant_id: 't1',
          event_id: id,
          install_id: installId,
          extension_id: extensionId,
          handler: 'h1',
          last_status: null,
          last_error: null,
          ...extra,
        })
        .execute();
    });
    return id;
  }

  t.test('a delivery whose worker died is claimed again when its lease expires', async (t) => {
    const id = await queue(install.id, install.extension.id, {
      status: 'running',
      attempts: 1,
      lease_until: new Date(Date.now() - 1000),
    });
    t.match(await settled(id), [{ status: 'delivered', attempts: 2 }]);
    t.equal(callsFor(id)[0]!.envelope.http.headers['x-annex-event-attempt'], '2');

    const last = await queue(install.id, install.extension.id, {
      status: 'running',
      attempts: 3,
      lease_until: new Date(Date.now() - 1000),
    });
    t.match(
      await settled(last),
      [{ status: 'failed', attempts: 3, lastError: 'ATTEMPT_LOST' }],
      'its last attempt was lost',
    );
    t.equal(callsFor(last).length, 0, 'no attempt beyond EXT_EVENT_MAX_ATTEMPTS');
  });

  t.test('an install that is gone or disabled is given up and logged', async (t) => {
    const gone = await queue(randomUUID(), install.extension.id);
    t.match(await settled(gone), [
      { status: 'failed', attempts: 1, lastStatus: 404, lastError: 'EXTENSION_NOT_AVAILABLE' },
    ]);
    t.match(await rows(gone), [{ status: 404, error: 'EXTENSION_NOT_AVAILABLE', source: 'event' }]);
    t.equal(callsFor(gone).length, 0, 'the runner is never called');

    t.equal((await h.call('POST', '/v1/tenants/t1/installs/acme.sub/disable', key)).statusCode, 200);
    t.equal((await post('a.b', { kind: 'x' })).body.deliveries, 0, 'a disabled install is not subscribed');
    const queued = await queue(install.id, install.extension.id);
    t.match(await settled(queued), [{ status: 'failed', lastError: 'EXTENSION_NOT_AVAILABLE' }]);
    t.equal(callsFor(queued).length, 0);
    t.equal((await h.call('POST', '/v1/tenants/t1/installs/acme.sub/enable', key)).statusCode, 200);
  });

  t.test('subscriptions follow the install’s version and leave with it', async (t) => {
    const subscriptions = () =>
      withTenant(db, 't1', (trx) =>
        trx
          .selectFrom('extension_event_subscription')
          .select(['event', 'handler', 'filter'])
          .orderBy('event')
          .execute(),
      );
    t.same((await subscriptions()).length, 4);
    const updated = await h.call('POST', '/v1/tenants/t1/installs/acme.sub/update', key, {
      version: '1.1.0',
    });
    t.equal(updated.statusCode, 200);
    t.same(await subscriptions(), [{ event: 'other.topic', handler: null, filter: null }]);
    t.equal((await post('a.b', { kind: 'x' })).body.deliveries, 0);
    // Queued under 1.0.0, delivered after the update: 1.1.0 no longer subscribes.
    const stale = await queue(install.id, install.extension.id);
    t.match(await settled(stale), [{ status: 'failed', lastError: 'NOT_SUBSCRIBED' }]);

    t.equal(
      (await h.call('POST', '/v1/tenants/t1/installs/acme.sub/update', key, { version: '1.0.0' })).statusCode,
      200,
    );
    t.same((await subscriptions()).length, 4, 'a rollback restores them');
    t.equal((await h.call('DELETE', '/v1/tenants/t1/installs/acme.sub', key)).statusCode, 204);
    t.same(await subscriptions(), [], 'uninstall removes them');
    t.equal((await post('a.b', { kind: 'x' })).body.deliveries, 0);
  });
});
