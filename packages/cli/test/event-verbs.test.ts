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

t.test(`events publish and show (${testDatabaseKind()})`, async (t) => {
  // One attempt per delivery: the subscriber below is not a runnable component, so it fails at once.
  const platform = await startTestPlatform({ EXT_EVENT_MAX_ATTEMPTS: '1' });
  t.teardown(() => platform.stop());
  const configDir = tempDir();
  t.teardown(configDir.remove);
  const base = platform.registryUrl;
  const publisher = await createApiKey(base, TEST_ADMIN_TOKEN, { role: 'publisher', publishers: ['acme'] });
  const tenantKey = await createApiKey(base, TEST_ADMIN_TOKEN, { role: 'tenant', tenantId: 't1' });
  await publishBundle(
    base,
    publisher,
    await bundleBytes({ name: 'listener', version: '1.0.0', events: [{ topic: 'ticket.*' }] }),
  );
  t.equal(
    (await api(base, tenantKey, 'POST', '/v1/tenants/t1/installs', { extension: 'acme.listener' })).status,
    201,
  );
  const env = {
    ANNEX_CONFIG_DIR: configDir.path,
    ANNEX_REGISTRY_URL: base,
    ANNEX_API_KEY: tenantKey,
    ANNEX_TENANT_ID: 't1',
  };

  t.test('publish queues, a replay does not', async (t) => {
    const first = await annex(
      ['events', 'publish', 'ticket.created', '--payload', '{"n":1}', '--id', 'cli-e1'],
      env,
    );
    t.equal(first.code, 0, first.stderr);
    t.match(first.stdout, /event cli-e1 \(ticket\.created\): 1 delivery queued/);
    const again = await annex(['--json', 'events', 'publish', 'ticket.created', '--id', 'cli-e1'], env);
    t.equal(again.code, 0, again.stderr);
    t.same(JSON.parse(again.stdout), {
      id: 'cli-e1',
      topic: 'ticket.created',
      deliveries: 1,
      duplicate: true,
    });
    const nobody = await annex(['events', 'publish', 'nobody.listens'], env);
    t.match(nobody.stdout, /0 deliveries queued/);
  });

  t.test('show follows the deliveries', async (t) => {
    await waitFor(
      async () => {
        const res = await api(base, tenantKey, 'GET', '/v1/tenants/t1/events/cli-e1');
        return (res.json.deliveries as { status: string }[])[0]?.status === 'failed' ? true : undefined;
      },
      { what: 'the delivery to fail' },
    );
    const shown = await annex(['events', 'show', 'cli-e1'], env);
    t.equal(shown.code, 0, shown.stderr);
    t.match(shown.stdout, /event cli-e1 \(ticket\.created\)/);
    t.match(shown.stdout, /acme\.listener {2}failed {2}1 attempt {2}last 5\d\d/);
    const missing = await annex(['events', 'show', 'nope'], env);
    t.equal(missing.code, 1);
    t.match(missing.stderr, /no event "nope"/);
  });

  t.test('usage errors', async (t) => {
    const bad = await annex(['events', 'publish', 'ticket.created', '--payload', '{oops'], env);
    t.equal(bad.code, 2);
    t.match(bad.stderr, /--payload must be JSON/);
    const badTopic = await annex(['events', 'publish', 'ticket.*'], env);
    t.equal(badTopic.code, 1);
    t.match(badTopic.stderr, /topic/);
  });
});
