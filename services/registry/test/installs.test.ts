import t from 'tap';
import { withSystem } from '@annex/db';
import { testDatabaseKind } from '@annex/test-support';
import { ADMIN, registryHarness, type Harness } from './harness.js';
import { publishVersion } from './publish.js';
import { startRunnerStub } from './runner-stub.js';

const GREETING_SCHEMA = {
  type: 'object',
  properties: { greeting: { type: 'string' }, retries: { type: 'integer', minimum: 0 } },
  additionalProperties: false,
};

function gatewayCall(
  h: Harness,
  key: string,
  method: string,
  url: string,
  headers: Record<string, string> = {},
) {
  return h.app.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${key}`, ...headers },
  });
}

async function rowsOf(h: Harness, installId: string) {
  return withSystem(h.database.db, async (trx) => ({
    installs: await trx
      .selectFrom('tenant_extension_install')
      .select('id')
      .where('id', '=', installId)
      .execute(),
    subscriptions: await trx
      .selectFrom('extension_event_subscription')
      .select(['event', 'filter'])
      .where('tenant_install_id', '=', installId)
      .orderBy('event')
      .execute(),
    secrets: await trx
      .selectFrom('tenant_extension_secret')
      .select('name')
      .where('install_id', '=', installId)
      .execute(),
    kv: await trx.selectFrom('extension_kv').select('key').where('install_id', '=', installId).execute(),
  }));
}

t.test(`installs (${testDatabaseKind()})`, async (t) => {
  const stub = await startRunnerStub(t);
  const h = await registryHarness(t, {
    RUNNER_BASE_URL: stub.url,
    EXT_EGRESS_ALLOWLIST: 'api.example.com,*.partner.io',
  });
  const pub = await h.key('publisher', { publishers: ['acme'] });
  const tenant = await h.key('tenant', { tenantId: 't1' });
  const base = '/v1/tenants/t1/installs';
  const endpoints = [
    { method: 'GET', path: '/items/:id' },
    { method: 'POST', path: '/items' },
  ];
  await publishVersion(h, pub, {
    version: '1.0.0',
    capabilities: ['cap:log.emit'],
    api: { endpoints },
    events: [{ topic: 'ticket.created', filter: { priority: 'high' } }],
    config: GREETING_SCHEMA,
    secrets: [{ name: 'API_TOKEN' }],
  });
  await publishVersion(h, pub, {
    version: '2.0.0',
    capabilities: ['cap:log.emit', 'cap:http.fetch'],
    egress: ['api.example.com'],
    api: { endpoints },
    events: [{ topic: 'ticket.created' }, { topic: 'ticket.closed' }],
    config: GREETING_SCHEMA,
    secrets: [{ name: 'API_TOKEN' }],
  });

  t.test('lifecycle: install, call, update, rollback, disable, enable, uninstall', async (t) => {
    const created = await h.call('POST', base, tenant, {
      extension: 'acme.hello',
      version: '1.0.0',
      config: { greeting: 'hi' },
    });
    t.equal(created.statusCode, 201, created.body);
    const install = created.json();
    t.match(install, {
      tenantId: 't1',
      extension: { slug: 'acme.hello' },
      version: '1.0.0',
      contentHash: /^sha256:[0-9a-f]{64}$/,
      status: 'enabled',
      grantedCaps: ['cap:log.emit'],
      egress: [],
      config: { greeting: 'hi' },
      uiUrl: null,
      pendingUpdate: null,
    });
    t.notOk('warning' in install, 'nothing to warn about');
    t.same((await rowsOf(h, install.id)).subscriptions, [
      { event: 'ticket.created', filter: { priority: 'high' } },
    ]);
    t.same(
      (await h.call('GET', base, tenant)).json().items.map((i: { id: string }) => i.id),
      [install.id],
    );
    t.equal((await h.call('GET', `${base}/acme.hello`, tenant)).json().id, install.id);
    t.equal(
      (await h.call('GET', `${base}/${install.extension.id}`, tenant)).json().id,
      install.id,
      'by id too',
    );

    const first = await gatewayCall(h, tenant, 'GET', '/api/ext/acme.hello/items/42');
    t.equal(first.statusCode, 200, first.body);
    t.same(first.json(), { path: '/items/42', method: 'GET' });
    t.equal(stub.calls.length, 1);
    t.match(stub.calls[0]!.envelope, {
      context: {
        tenant_id: 't1',
        install_id: install.id,
        extension_id: install.extension.id,
        version: '1.0.0',
        content_hash: install.contentHash,
        config: { greeting: 'hi' },
      },
      providers: ['cap:log.emit', 'cap:config.read'],
      egress: [],
    });

    const pending = await h.call('POST', `${base}/acme.hello/update`, tenant, { version: '2.0.0' });
    t.equal(pending.statusCode, 409, pending.body);
    t.same(pending.json().error.code, 'APPROVAL_REQUIRED');
    t.same(pending.json().error.details, {
      version: '2.0.0',
      capabilities: ['cap:http.fetch'],
      egress: ['api.example.com'],
    });
    t.match(pending.json().error.message, /cap:http\.fetch.*api\.example\.com.*approve: true/);
    const waiting = (await h.call('GET', `${base}/acme.hello`, tenant)).json();
    t.equal(waiting.version, '1.0.0', 'the install keeps running its version');
    t.match(waiting.pendingUpdate, {
      version: '2.0.0',
      newCapabilities: ['cap:http.fetch'],
      newEgress: ['api.example.com'],
    });
    await gatewayCall(h, tenant, 'GET', '/api/ext/acme.hello/items/1');
    t.equal(stub.calls.at(-1)!.envelope.context.version, '1.0.0');

    const approved = await h.call('POST', `${base}/acme.hello/update`, tenant, {
      version: '2.0.0',
      approve: true,
    });
    t.equal(approved.statusCode, 200, approved.body);
    t.match(approved.json(), {
      version: '2.0.0',
      grantedCaps: ['cap:log.emit', 'cap:http.fetch'],
      egress: ['api.example.com'],
      config: { greeting: 'hi' },
      pendingUpdate: null,
    });
    t.same(
      (await rowsOf(h, install.id)).subscriptions.map((s) => s.event),
      ['ticket.closed', 'ticket.created'],
      'subscriptions follow the version',
    );
    await gatewayCall(h, tenant, 'GET', '/api/ext/acme.hello/items/2');
    t.match(stub.calls.at(-1)!.envelope, {
      context: { version: '2.0.0' },
      providers: ['cap:log.emit', 'cap:config.read', 'cap:http.fetch'],
      egress: ['api.example.com'],
    });

    const rollback = await h.call('POST', `${base}/acme.hello/update`, tenant, { version: '1.0.0' });
    t.equal(rollback.statusCode, 200, 'a rollback asks for nothing new');
    t.match(rollback.json(), { version: '1.0.0', grantedCaps: ['cap:log.emit'], egress: [] });
    await gatewayCall(h, tenant, 'GET', '/api/ext/acme.hello/items/3');
    t.equal(stub.calls.at(-1)!.envelope.context.version, '1.0.0');

    const disabled = await h.call('POST', `${base}/acme.hello/disable`, tenant);
    t.equal(disabled.json().status, 'disabled');
    const callsBefore = stub.calls.length;
    const refused = await gatewayCall(h, tenant, 'GET', '/api/ext/acme.hello/items/4');
    t.equal(refused.statusCode, 404);
    t.equal(refused.json().error.code, 'EXTENSION_NOT_AVAILABLE');
    t.equal(stub.calls.length, callsBefore, 'the runner was not called');

    t.equal((await h.call('POST', `${base}/acme.hello/enable`, tenant)).json().status, 'enabled');
    t.equal((await gatewayCall(h, tenant, 'GET', '/api/ext/acme.hello/items/5')).statusCode, 200);

    await h.call('PUT', `${base}/acme.hello/secrets`, tenant, { API_TOKEN: 'tok' });
    await withSystem(h.database.db, (trx) =>
      trx
        .insertInto('extension_kv')
        .values({ tenant_id: 't1', install_id: install.id, key: 'k', value: Buffer.from('v') })
        .execute(),
    );
    const removed = await h.call('DELETE', `${base}/acme.hello`, tenant);
    t.equal(removed.statusCode, 204);
    t.same(await rowsOf(h, install.id), { installs: [], subscriptions: [], secrets: [], kv: [] });
    t.equal((await h.call('GET', `${base}/acme.hello`, tenant)).json().error.code, 'INSTALL_NOT_FOUND');
    const gone = await gatewayCall(h, tenant, 'GET', '/api/ext/acme.hello/items/6');
    t.equal(gone.json().error.code, 'EXTENSION_NOT_AVAILABLE');

    const log = (
      await h.call('GET', '/v1/tenants/t1/executions?extension=acme.hello&limit=100', tenant)
    ).json();
    t.same(
      log.items.map((e: { status: number }) => e.status),
      [200, 404, 200, 200, 200, 200],
      'one row per call that reached the install, newest first',
    );
  });

  t.test('grants beyond the manifest, egress beyond the ceiling, bad config, yanked versions', async (t) => {
    await publishVersion(h, pub, {
      name: 'grants',
      version: '1.0.0',
      capabilities: ['cap:http.fetch'],
      egress: ['api.example.com', '*.partner.io', 'elsewhere.example.net'],
      config: { ...GREETING_SCHEMA, required: ['greeting'] },
    });
    await publishVersion(h, pub, { name: 'grants', version: '1.1.0', capabilities: ['cap:http.fetch'] });
    const post = (body: Record<string, unknown>) =>
      h.call('POST', base, tenant, {
        extension: 'acme.grants',
        version: '1.0.0',
        config: { greeting: 'x' },
        ...body,
      });

    const cap = await post({ grantedCaps: ['cap:http.fetch', 'cap:storage.kv'] });
    t.equal(cap.statusCode, 400);
    t.equal(cap.json().error.code, 'GRANT_NOT_REQUESTED');
    t.match(cap.json().error.message, /cap:storage\.kv/);
    t.equal(cap.json().error.details.capability, 'cap:storage.kv');

    const egress = await post({ egress: ['api.example.com', 'other.example.org'] });
    t.equal(egress.statusCode, 400);
    t.equal(egress.json().error.code, 'EGRESS_NOT_REQUESTED');
    t.match(egress.json().error.message, /other\.example\.org/);

    const ceiling = await post({ egress: ['elsewhere.example.net'] });
    t.equal(ceiling.statusCode, 400);
    t.equal(ceiling.json().error.code, 'EGRESS_NOT_ALLOWED');
    t.match(ceiling.json().error.message, /elsewhere\.example\.net.*EXT_EGRESS_ALLOWLIST/);

    const config = await post({ config: { greeting: 5, colour: 'red' } });
    t.equal(config.statusCode, 400);
    t.equal(config.json().error.code, 'INVALID_CONFIG');
    t.same(
      config
        .json()
        .error.details.issues.map((i: { path: string }) => i.path)
        .sort(),
      ['config.colour', 'config.greeting'],
    );
    const missing = await post({ config: {} });
    t.match(missing.json().error, { code: 'INVALID_CONFIG', message: /config\.greeting/ });

    await h.call('POST', '/v1/extensions/acme.grants/versions/1.1.0/yank', pub, { reason: 'broken build' });
    const yanked = await post({ version: '1.1.0', config: {} });
    t.equal(yanked.statusCode, 400);
    t.equal(yanked.json().error.code, 'VERSION_UNAVAILABLE');
    t.match(yanked.json().error.message, /acme\.grants@1\.1\.0 was yanked: broken build/);
    const absent = await post({ version: '7.0.0' });
    t.match(absent.json().error, { code: 'VERSION_UNAVAILABLE', message: /7\.0\.0/ });
    const noMatch = await post({ version: '^3' });
    t.equal(noMatch.statusCode, 404);
    t.equal(noMatch.json().error.code, 'VERSION_NOT_FOUND');

    const narrow = await post({ version: '^1.0.0', egress: ['api.partner.io'] });
    t.equal(
      narrow.statusCode,
      201,
      'a range skips the yanked 1.1.0; a subdomain of *.partner.io may be granted',
    );
    t.match(narrow.json(), { version: '1.0.0', egress: ['api.partner.io'] });
    const again = await post({});
    t.equal(again.statusCode, 409);
    t.equal(again.json().error.code, 'ALREADY_INSTALLED');

    t.equal((await h.call('DELETE', `${base}/acme.grants`, tenant)).statusCode, 204);
    const defaults = await post({});
    t.equal(defaults.statusCode, 201, defaults.body);
    t.same(
      defaults.json().egress,
      ['api.example.com', '*.partner.io'],
      'egress beyond the ceiling is left out',
    );
    t.match(defaults.json().warning, /egress not granted.*elsewhere\.example\.net/);

    const patched = await h.call('PATCH', `${base}/acme.grants`, tenant, {
      config: { greeting: 'hello', retries: 2 },
      grantedCaps: [],
      egress: ['api.example.com'],
    });
    t.equal(patched.statusCode, 200, patched.body);
    t.match(patched.json(), {
      grantedCaps: [],
      egress: ['api.example.com'],
      config: { greeting: 'hello', retries: 2 },
    });
    const badPatch = await h.call('PATCH', `${base}/acme.grants`, tenant, {
      config: { retries: -1, greeting: 'x' },
    });
    t.match(badPatch.json().error, {
      code: 'INVALID_CONFIG',
      details: { issues: [{ path: 'config.retries' }] },
    });
    const wider = await h.call('POST', `${base}/acme.grants/update`, tenant, { version: '1.0.0' });
    t.equal(wider.statusCode, 409, 'asking again for what was withdrawn needs approval');
    t.same(wider.json().error.details.capabilities, ['cap:http.fetch']);
  });

  t.test('deprecated extensions install with a warning; ranges and latest', async (t) => {
    await publishVersion(h, pub, { name: 'old', version: '1.2.0' });
    await publishVersion(h, pub, { name: 'old', version: '1.10.0' });
    await publishVersion(h, pub, { name: 'old', version: '2.0.0-beta.1' });
    await h.call('POST', '/v1/extensions/acme.old/deprecate', pub, {
      reason: 'unmaintained',
      replacement: 'acme.hello',
    });
    const res = await h.call('POST', base, tenant, { extension: 'acme.old' });
    t.equal(res.statusCode, 201, res.body);
    t.equal(res.json().version, '1.10.0', 'no version means latest (no prereleases)');
    t.match(res.json().warning, /acme\.old is deprecated: unmaintained \(use acme\.hello instead\)/);
    const up = await h.call('POST', `${base}/acme.old/update`, tenant, { version: '2.0.0-beta.1' });
    t.equal(up.json().version, '2.0.0-beta.1', 'an exact prerelease may be chosen');
    t.equal(
      (await h.call('POST', `${base}/acme.old/update`, tenant, { version: '~1.2' })).json().version,
      '1.2.0',
    );
  });

  t.test('required secrets: an install without them is pending', async (t) => {
    await publishVersion(h, pub, {
      name: 'needs-key',
      version: '1.0.0',
      capabilities: ['cap:secrets.get'],
      secrets: [{ name: 'API_KEY', required: true }, { name: 'OPTIONAL' }],
    });
    const res = await h.call('POST', base, tenant, { extension: 'acme.needs-key' });
    t.match(res.json(), { status: 'pending', missingSecrets: ['API_KEY'] });
    const call = await gatewayCall(h, tenant, 'GET', '/api/ext/acme.needs-key/hello');
    t.match(call.json().error, { code: 'EXTENSION_NOT_AVAILABLE', message: /API_KEY/ });
    await h.call('PUT', `${base}/acme.needs-key/secrets`, tenant, { API_KEY: 'k' });
    t.match((await h.call('GET', `${base}/acme.needs-key`, tenant)).json(), {
      status: 'enabled',
      missingSecrets: [],
    });
    t.equal((await gatewayCall(h, tenant, 'GET', '/api/ext/acme.needs-key/hello')).statusCode, 200);
  });

  t.test('who may manage installs', async (t) => {
    const gatewayKey = await h.key('gateway');
    const forbidden = await h.call('GET', base, gatewayKey);
    t.equal(forbidden.statusCode, 403, 'a gateway key resolves and calls, nothing else');
    t.equal((await h.call('GET', base, pub)).statusCode, 403);
    t.equal((await h.call('GET', base, undefined)).statusCode, 401);
    t.equal((await h.call('GET', base, ADMIN)).statusCode, 200, 'admins act for any tenant');
    const unknown = await h.call('POST', base, tenant, { extension: 'acme.nope' });
    t.equal(unknown.json().error.code, 'EXTENSION_NOT_FOUND');
  });
});
