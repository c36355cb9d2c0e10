import { createHash } from 'node:crypto';
import t from 'tap';
import {
  scaffoldManifest,
  startTestPlatform,
  tarArchive,
  TEST_ADMIN_TOKEN,
  tempDir,
  testDatabaseKind,
  waitFor,
  zstdCompress,
} from '@annex/test-support';
import { annex } from './cli-harness.js';

async function api(base: string, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json().catch(() => undefined)) as Record<string, unknown> };
}

// Each verb is a node process (about 1 s to start): more than .taprc's file timeout on a busy machine.
t.setTimeout(300_000);

t.test(`events publish and show (${testDatabaseKind()})`, async (t) => {
  // One attempt per delivery: the subscriber below is not a runnable component, so it fails at once.
  const platform = await startTestPlatform({ EXT_EVENT_MAX_ATTEMPTS: '1' });
  t.teardown(() => platform.stop());
  const configDir = tempDir();
  t.teardown(configDir.remove);
  const base = platform.registryUrl;
  const keyOf = async (body: Record<string, unknown>) =>
    (await api(base, TEST_ADMIN_TOKEN, 'POST', '/v1/api-keys', body)).json.key as string;
  const publisher = await keyOf({ role: 'publisher', publishers: ['acme'] });
  const tenantKey = await keyOf({ role: 'tenant', tenantId: 't1' });
  const manifest = scaffoldManifest({ name: 'listener', version: '1.0.0', events: [{ topic: 'ticket.*' }] });
  const bytes = await zstdCompress(
    tarArchive([
      { name: 'manifest.json', data: JSON.stringify(manifest) },
      { name: 'dist/main.wasm', data: Buffer.from([0, 97, 115, 109, 13, 0, 1, 0]) },
    ]),
  );
  const sha256 = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const init = await api(base, publisher, 'POST', '/v1/uploads', { size: bytes.length, sha256 });
  await fetch(init.json.url as string, { method: 'PUT', body: bytes });
  t.equal(
    (await api(base, publisher, 'POST', `/v1/uploads/${String(init.json.uploadId)}/finalize`, {})).status,
    201,
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
