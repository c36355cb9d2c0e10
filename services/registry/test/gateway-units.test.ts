import t from 'tap';
import { parseEgressRule } from '@annex/config';
import { createInstallCache } from '../src/gateway/install-cache.js';
import type { InstallTarget } from '../src/gateway/install-target.js';
import { matchEndpoint } from '../src/gateway/match-endpoint.js';
import { forwardedRequestHeaders, returnedResponseHeaders } from '../src/gateway/header-allowlists.js';
import { covers } from '../src/installs/egress-coverage.js';
import { createInstallChanges } from '../src/installs/install-changes.js';

t.test('matchEndpoint: `:param` is one non-empty segment; literals beat parameters', async (t) => {
  const endpoints = [
    { method: 'GET' as const, path: '/' },
    { method: 'GET' as const, path: '/items/:id' },
    { method: 'GET' as const, path: '/items/new' },
    { method: 'GET' as const, path: '/:kind/new' },
    { method: 'PUT' as const, path: '/items/:id/tags/:tag' },
  ];
  const path = (method: string, p: string) => matchEndpoint(endpoints, method, p)?.path;
  t.equal(path('GET', '/'), '/');
  t.equal(path('GET', '/items/42'), '/items/:id');
  t.equal(path('GET', '/items/new'), '/items/new');
  t.equal(path('GET', '/users/new'), '/:kind/new');
  t.equal(path('PUT', '/items/1/tags/x'), '/items/:id/tags/:tag');
  for (const p of [
    '',
    'items/1',
    '/items',
    '/items/',
    '/items//',
    '/items/1/',
    '/items/..',
    '/items/.',
    '/items/1/2',
  ]) {
    t.equal(path('GET', p), undefined, JSON.stringify(p));
  }
  t.equal(path('POST', '/items/1'), undefined, 'the method must match');
  t.equal(path('get', '/items/1'), undefined, 'methods are upper case');
});

t.test('header allowlists', async (t) => {
  t.same(
    forwardedRequestHeaders(
      {
        Accept: 'a',
        authorization: 'Bearer x',
        cookie: 'c',
        'x-ext-': 'bare prefix',
        'x-ext-a': ['1', '2'],
        'x-request-id': 'client',
        host: 'h',
      },
      'rid',
    ),
    { accept: 'a', 'x-ext-a': '1, 2', 'x-request-id': 'rid' },
  );
  t.same(
    returnedResponseHeaders({
      ETag: '"x"',
      'set-cookie': ['a=1'],
      'x-ext-bad': 'a\r\nset-cookie: b',
      'x-ext-ok': ['1', '2'],
    }),
    { etag: '"x"', 'x-ext-ok': ['1', '2'] },
  );
});

t.test('egress coverage', async (t) => {
  const c = (outer: string, inner: string) => covers(parseEgressRule(outer), parseEgressRule(inner));
  t.ok(c('api.example.com', 'api.example.com'));
  t.ok(c('api.example.com', 'https://api.example.com:443'), 'no port is the default port');
  t.notOk(c('api.example.com', 'api.example.com:8443'));
  t.notOk(c('api.example.com', 'http://api.example.com'), 'schemes differ');
  t.ok(c('*.example.com', 'api.example.com'));
  t.ok(c('*.example.com', '*.api.example.com'));
  t.notOk(c('*.example.com', 'example.com'));
  t.notOk(c('*.example.com', 'evil-example.com'));
  t.ok(c('*', 'anything.example.org'));
  t.notOk(c('*', 'http://anything.example.org'), '`*` alone is https');
});

t.test('install cache: TTL, invalidation, one load for concurrent misses', async (t) => {
  let clock = 0;
  let loads = 0;
  const target = (id: string) => ({ extensionId: id, slug: 'acme.x' }) as InstallTarget;
  let release: (() => void) | undefined;
  const changes = createInstallChanges();
  const cache = createInstallCache(
    {
      ttlMs: 1000,
      maxEntries: 3,
      now: () => clock,
      load: async (tenant, ref) => {
        loads += 1;
        if (release === undefined && ref === 'slow.x') await new Promise<void>((r) => (release = r));
        return ref === 'acme.none' ? undefined : target('e1');
      },
    },
    changes,
  );
  await cache.get('t1', 'acme.x');
  await cache.get('t1', 'acme.x');
  t.equal(loads, 1, 'a hit');
  await cache.get('t1', 'acme.none');
  await cache.get('t1', 'acme.none');
  t.equal(loads, 2, 'absent installs are cached too');
  clock = 1001;
  await cache.get('t1', 'acme.x');
  t.equal(loads, 3, 'expired after the TTL');
  await cache.get('t1', 'E1');
  changes.publish({ tenantId: 't2', extensionId: 'e1', slug: 'acme.x' });
  await cache.get('t1', 'acme.x');
  t.equal(loads, 4, 'another tenant’s change leaves it');
  changes.publish({ tenantId: 't1', extensionId: 'e1', slug: 'acme.x' });
  await cache.get('t1', 'acme.x');
  t.equal(loads, 5, 'a change drops it at once');

  const [a, b] = [cache.get('t1', 'slow.x'), cache.get('t1', 'slow.x')];
  await new Promise((r) => setImmediate(r));
  changes.publish({ tenantId: 't1', extensionId: 'e1', slug: 'acme.x' });
  release!();
  await Promise.all([a, b]);
  t.equal(loads, 6, 'concurrent misses share one load');
  await cache.get('t1', 'slow.x');
  t.equal(loads, 7, 'a load that raced a change is not kept');
  cache.close();
});
