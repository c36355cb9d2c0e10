import t from 'tap';
import { testDatabaseKind } from '@annex/test-support';
import { ADMIN, registryHarness, seedVersion } from './harness.js';

t.test(`catalog (${testDatabaseKind()})`, async (t) => {
  const h = await registryHarness(t);
  const acmeKey = await h.key('publisher', { publishers: ['acme'] });
  const otherKey = await h.key('publisher', { publishers: ['other'] });
  const tenantKey = await h.key('tenant', { tenantId: 'tenant-1' });

  const create = async (key: string, body: Record<string, unknown>) =>
    h.call('POST', '/v1/extensions', key, body);

  t.test(
    'create: 201 for the own publisher; 409 twice; 404 for another publisher; 403 for tenants',
    async (t) => {
      const res = await create(acmeKey, {
        publisher: 'acme',
        name: 'hello',
        displayName: 'Hello',
        description: 'Greets people',
      });
      t.equal(res.statusCode, 201);
      t.match(res.json(), {
        slug: 'acme.hello',
        publisher: 'acme',
        name: 'hello',
        displayName: 'Hello',
        description: 'Greets people',
        latestVersion: null,
        deprecation: null,
      });
      const again = await create(acmeKey, { publisher: 'acme', name: 'hello' });
      t.equal(again.statusCode, 409);
      t.equal(again.json().error.code, 'EXTENSION_EXISTS');
      t.equal((await create(otherKey, { publisher: 'acme', name: 'sneaky' })).statusCode, 404);
      const tenant = await create(tenantKey, { publisher: 'acme', name: 'x' });
      t.equal(tenant.statusCode, 403);
      t.equal(tenant.json().error.code, 'FORBIDDEN');
      for (const bad of [
        { publisher: 'Acme', name: 'x' },
        { publisher: 'acme', name: '-x' },
        { publisher: 'acme' },
        { publisher: 'acme', name: 'x', extra: 1 },
      ]) {
        t.equal((await create(ADMIN, bad)).statusCode, 400, JSON.stringify(bad));
      }
    },
  );

  const created: Record<string, string> = {};
  for (const [publisher, name, description] of [
    ['acme', 'tickets', 'Ticket tools'],
    ['acme', 'billing', 'Invoices and 100% discounts'],
    ['other', 'maps', 'Shows tickets on a map'],
    ['zeta', 'alpha', null],
  ] as const) {
    const res = await create(ADMIN, { publisher, name, ...(description ? { description } : {}) });
    created[`${publisher}.${name}`] = res.json().id;
  }
  created['acme.hello'] = (await h.call('GET', '/v1/extensions/acme.hello', ADMIN)).json().id;

  t.test('get by id or slug; unknown and malformed refs are 404', async (t) => {
    const bySlug = await h.call('GET', '/v1/extensions/acme.tickets', tenantKey);
    t.equal(bySlug.statusCode, 200);
    const byId = await h.call('GET', `/v1/extensions/${created['acme.tickets']}`, tenantKey);
    t.same(byId.json(), bySlug.json());
    for (const ref of ['acme.nope', 'not a slug', '00000000-0000-4000-8000-000000000000', 'a.b.c']) {
      const res = await h.call('GET', `/v1/extensions/${encodeURIComponent(ref)}`, tenantKey);
      t.equal(res.statusCode, 404, ref);
      t.equal(res.json().error.code, 'EXTENSION_NOT_FOUND');
    }
  });

  t.test('a publisher key sees only its own publishers', async (t) => {
    t.equal((await h.call('GET', '/v1/extensions/other.maps', acmeKey)).statusCode, 404);
    t.equal(
      (await h.call('GET', `/v1/extensions/${created['other.maps']}/versions`, acmeKey)).statusCode,
      404,
    );
    const list = (await h.call('GET', '/v1/extensions', acmeKey)).json();
    t.same(
      list.items.map((e: { slug: string }) => e.slug),
      ['acme.billing', 'acme.hello', 'acme.tickets'],
    );
  });

  t.test('list: search, publisher filter, cursor pagination', async (t) => {
    const all = (await h.call('GET', '/v1/extensions', tenantKey)).json();
    t.same(
      all.items.map((e: { slug: string }) => e.slug),
      ['acme.billing', 'acme.hello', 'acme.tickets', 'other.maps', 'zeta.alpha'],
    );
    t.equal(all.nextCursor, null);
    const search = (await h.call('GET', '/v1/extensions?q=TICKET', tenantKey)).json();
    t.same(
      search.items.map((e: { slug: string }) => e.slug),
      ['acme.tickets', 'other.maps'],
      'name and description, any case',
    );
    const wildcard = (await h.call('GET', '/v1/extensions?q=100%25', tenantKey)).json();
    t.same(
      wildcard.items.map((e: { slug: string }) => e.slug),
      ['acme.billing'],
      '% is literal',
    );
    const underscore = (await h.call('GET', '/v1/extensions?q=_', tenantKey)).json();
    t.same(underscore.items, [], '_ is literal');
    const byPublisher = (await h.call('GET', '/v1/extensions?publisher=zeta', tenantKey)).json();
    t.same(
      byPublisher.items.map((e: { slug: string }) => e.slug),
      ['zeta.alpha'],
    );

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await h.call(
        'GET',
        `/v1/extensions?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        tenantKey,
      );
      const page = res.json();
      seen.push(...page.items.map((e: { slug: string }) => e.slug));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    t.equal(pages, 3);
    t.same(
      seen,
      all.items.map((e: { slug: string }) => e.slug),
    );

    const bad = await h.call('GET', '/v1/extensions?cursor=garbage', tenantKey);
    t.equal(bad.statusCode, 400);
    t.equal(bad.json().error.code, 'INVALID_CURSOR');
    t.equal((await h.call('GET', '/v1/extensions?limit=0', tenantKey)).statusCode, 400);
    t.equal((await h.call('GET', '/v1/extensions?limit=101', tenantKey)).statusCode, 400);
    t.equal((await h.call('GET', '/v1/extensions?deprecated=maybe', tenantKey)).statusCode, 400);
  });

  t.test('versions in SemVer order; latestVersion skips prereleases and yanked versions', async (t) => {
    const id = created['acme.tickets']!;
    const manifest = {
      name: 'tickets',
      publisher: 'acme',
      version: '1.10.0',
      capabilities: ['cap:storage.kv'],
      egress: ['api.example.com'],
      api: { endpoints: [{ method: 'GET', path: '/items/:id' }] },
      ui: { type: 'iframe', entry: 'ui/index.html' },
      config: { type: 'object' },
      secrets: [{ name: 'API_KEY', required: true }],
      limits: { timeoutMs: 1000 },
    };
    for (const v of ['1.2.0', '1.10.0', '1.9.3', '2.0.0-beta.1', '0.9.0'])
      await seedVersion(h.database, id, v, { ...manifest, version: v });
    await seedVersion(h.database, id, '1.11.0', manifest, { yanked: true });
    await h.database.db
      .updateTable('extension_registry')
      .set({ latest_version: '1.10.0' })
      .where('id', '=', id)
      .execute();

    const versions = (await h.call('GET', '/v1/extensions/acme.tickets/versions', tenantKey)).json();
    t.same(
      versions.items.map((v: { version: string }) => v.version),
      ['2.0.0-beta.1', '1.11.0', '1.10.0', '1.9.3', '1.2.0', '0.9.0'],
    );
    t.match(versions.items[0], {
      contentHash: /^sha256:[0-9a-f]{64}$/,
      signature: { status: 'unsigned', keyId: null, signer: null },
      yanked: false,
    });

    const detail = await h.call('GET', '/v1/extensions/acme.tickets/versions/latest', tenantKey);
    t.equal(detail.statusCode, 200);
    t.match(detail.json(), {
      extension: { id, slug: 'acme.tickets' },
      version: '1.10.0',
      manifest: {
        capabilities: ['cap:storage.kv'],
        egress: ['api.example.com'],
        endpoints: [{ method: 'GET', path: '/items/:id' }],
        ui: { type: 'iframe', entry: 'ui/index.html' },
        config: { type: 'object' },
        secrets: [{ name: 'API_KEY', required: true }],
        limits: { timeoutMs: 1000 },
        events: [],
      },
    });
    // The iframe URL on the runner, as installs carry it.
    const { contentHash, uiUrl } = detail.json() as { contentHash: string; uiUrl: string };
    t.equal(uiUrl, `${h.config.runnerPublicBase}/ext-ui/${id}/${contentHash}/index.html`);
    const noUi = { ...manifest, ui: undefined };
    await seedVersion(h.database, id, '0.1.0', { ...noUi, version: '0.1.0' });
    const plain = await h.call('GET', '/v1/extensions/acme.tickets/versions/0.1.0', tenantKey);
    t.equal(plain.json().uiUrl, null, 'null without a UI');
    const missing = await h.call('GET', '/v1/extensions/acme.tickets/versions/3.0.0', tenantKey);
    t.equal(missing.statusCode, 404);
    t.equal(missing.json().error.code, 'VERSION_NOT_FOUND');
    t.equal(
      (await h.call('GET', '/v1/extensions/acme.tickets/versions/not-semver', tenantKey)).statusCode,
      404,
    );

    // Yank 1.10.0: latest falls back to 1.9.3; restore it: back to 1.10.0.
    const yank = await h.call('POST', '/v1/extensions/acme.tickets/versions/1.10.0/yank', acmeKey, {
      reason: 'broken',
    });
    t.equal(yank.statusCode, 200);
    t.match(yank.json(), { version: '1.10.0', yanked: true, yankReason: 'broken' });
    t.equal((await h.call('GET', '/v1/extensions/acme.tickets', tenantKey)).json().latestVersion, '1.9.3');
    t.equal(
      (await h.call('DELETE', '/v1/extensions/acme.tickets/versions/1.10.0/yank', acmeKey)).statusCode,
      200,
    );
    t.equal((await h.call('GET', '/v1/extensions/acme.tickets', tenantKey)).json().latestVersion, '1.10.0');

    t.equal(
      (await h.call('POST', '/v1/extensions/acme.tickets/versions/1.10.0/yank', otherKey, { reason: 'x' }))
        .statusCode,
      404,
    );
    t.equal(
      (await h.call('POST', '/v1/extensions/acme.tickets/versions/1.10.0/yank', tenantKey, { reason: 'x' }))
        .statusCode,
      403,
    );
    t.equal(
      (await h.call('POST', '/v1/extensions/acme.tickets/versions/9.9.9/yank', acmeKey, { reason: 'x' }))
        .statusCode,
      404,
    );
  });

  t.test('deprecate with a reason and replacement; undeprecate; list filters', async (t) => {
    const res = await h.call('POST', '/v1/extensions/acme.billing/deprecate', acmeKey, {
      reason: 'use tickets',
      replacement: created['acme.tickets'],
    });
    t.equal(res.statusCode, 200);
    t.match(res.json().deprecation, { reason: 'use tickets', replacement: 'acme.tickets', at: /^\d{4}-/ });
    t.equal(
      (
        await h.call('POST', '/v1/extensions/acme.billing/deprecate', acmeKey, {
          reason: 'x',
          replacement: 'acme.nope',
        })
      ).statusCode,
      400,
    );
    t.equal(
      (
        await h.call('POST', '/v1/extensions/acme.billing/deprecate', acmeKey, {
          reason: 'x',
          replacement: 'acme.billing',
        })
      ).statusCode,
      400,
    );
    t.equal((await h.call('POST', '/v1/extensions/acme.billing/deprecate', acmeKey, {})).statusCode, 400);
    t.equal(
      (await h.call('POST', '/v1/extensions/acme.billing/deprecate', otherKey, { reason: 'x' })).statusCode,
      404,
    );

    const only = (await h.call('GET', '/v1/extensions?deprecated=only', tenantKey)).json();
    t.same(
      only.items.map((e: { slug: string }) => e.slug),
      ['acme.billing'],
    );
    const exclude = (await h.call('GET', '/v1/extensions?deprecated=exclude', tenantKey)).json();
    t.notOk(exclude.items.some((e: { slug: string }) => e.slug === 'acme.billing'));

    const undo = await h.call('DELETE', '/v1/extensions/acme.billing/deprecate', acmeKey);
    t.equal(undo.statusCode, 200);
    t.equal(undo.json().deprecation, null);
  });

  t.test('malformed JSON is a 400 with the error shape', async (t) => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/extensions',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      payload: '{"publisher":',
    });
    t.equal(res.statusCode, 400);
    t.same(res.json(), { error: { code: 'BAD_REQUEST', message: 'request body is not valid JSON' } });
  });
});
