import t from 'tap';
import {
  HostError,
  config,
  context,
  currentUser,
  fetch,
  isHostError,
  kv,
  log,
  secrets,
  useHostBindings,
  type HostBindings,
  type KvEntry,
  type LogLevel,
  type OutgoingRequest,
} from '@annex/sdk';

const ctx = {
  requestId: 'r',
  tenantId: 't',
  extensionId: 'e',
  installId: 'i',
  version: '1.0.0',
  contentHash: `sha256:${'0'.repeat(64)}`,
};

function fakeHost() {
  const store = new Map<string, KvEntry>();
  const lines: Array<[LogLevel, string]> = [];
  const fetched: OutgoingRequest[] = [];
  const host: HostBindings = {
    context: { get: () => ctx, user: () => ({ userId: 'u1', userEmail: 'a@b.c' }) },
    logging: { log: (level, message) => void lines.push([level, message]) },
    config: { get: () => '{"greeting":"hi","n":2}' },
    secrets: {
      get(name) {
        if (name === 'API_KEY') return 's3cret';
        throw 'not-found';
      },
      list: () => ['API_KEY'],
    },
    kv: {
      get: (key) => store.get(key),
      set(key, value, { expectedRevision }) {
        const current = store.get(key)?.revision ?? 0n;
        if (expectedRevision !== undefined && expectedRevision !== current) throw 'conflict';
        store.set(key, { value, revision: current + 1n });
        return current + 1n;
      },
      delete: (key) => store.delete(key),
      list(prefix, cursor, limit) {
        const keys = [...store.keys()].filter((k) => k.startsWith(prefix) && (!cursor || k > cursor)).sort();
        const page = keys.slice(0, Math.min(limit, 1));
        return page.length < keys.length ? { keys: page, cursor: page.at(-1) } : { keys: page };
      },
    },
    http: {
      fetch(req) {
        fetched.push(req);
        if (req.url.includes('blocked')) throw { tag: 'not-allowed', val: 'host not in egress allowlist' };
        return {
          status: 200,
          headers: [['Content-Type', 'application/json']],
          body: new TextEncoder().encode('{"ok":true}'),
        };
      },
    },
  };
  return { host, store, lines, fetched };
}

t.afterEach(() => useHostBindings(undefined));

t.test('without a host the wrappers say where they work', async (t) => {
  t.throws(() => config(), /only available inside a component/);
  t.doesNotThrow(() => log.info('dropped'), 'logging never throws');
});

t.test('context, config, secrets', async (t) => {
  useHostBindings(fakeHost().host);
  t.same(context(), ctx);
  t.same(currentUser(), { userId: 'u1', userEmail: 'a@b.c' });
  t.same(config<{ greeting: string; n: number }>(), { greeting: 'hi', n: 2 });
  t.equal(secrets.get('API_KEY'), 's3cret');
  t.equal(secrets.find('OTHER'), undefined);
  t.throws(() => secrets.get('OTHER'), new HostError('secrets', 'not-found'));
  t.same(secrets.list(), ['API_KEY']);
});

t.test('a denied capability is a HostError', async (t) => {
  const { host } = fakeHost();
  host.context.get = () => {
    throw 'denied';
  };
  useHostBindings(host);
  const err = t.throws(() => context()) as unknown;
  t.ok(isHostError(err, 'denied'));
  t.match(err, { iface: 'context', code: 'denied', message: 'context: denied' });
});

t.test('inside a component the error value is the payload of a thrown error', async (t) => {
  const { host } = fakeHost();
  // componentize-js throws a ComponentError, which is not `instanceof Error` in the guest.
  host.kv.get = () => {
    throw Object.assign(Object.create(null), { message: 'quota-exceeded', payload: 'quota-exceeded' });
  };
  useHostBindings(host);
  t.throws(() => kv.get('a'), new HostError('kv', 'quota-exceeded'));
});

t.test('a bug in the host is not mistaken for an error case', async (t) => {
  const { host } = fakeHost();
  host.config.get = () => {
    throw new TypeError('boom');
  };
  useHostBindings(host);
  t.throws(() => config(), TypeError);
});

t.test('logging formats fields and swallows refusals', async (t) => {
  const { host, lines } = fakeHost();
  useHostBindings(host);
  log.info('plain');
  log.warn('with fields', { n: 1n, err: new Error('x'), s: 'é' });
  log.error('empty fields', {});
  t.same(lines, [
    ['info', 'plain'],
    ['warn', 'with fields {"n":"1","err":{"name":"Error","message":"x"},"s":"é"}'],
    ['error', 'empty fields'],
  ]);
  host.logging.log = () => {
    throw 'rate-limited';
  };
  t.doesNotThrow(() => log.debug('dropped'));
});

t.test('kv: bytes, text, JSON, compare-and-set, paging, update', async (t) => {
  const { host, store } = fakeHost();
  useHostBindings(host);
  t.equal(kv.get('a'), undefined);
  t.equal(kv.set('a', 'é'), 1n);
  t.same(kv.get('a'), { value: new TextEncoder().encode('é'), revision: 1n });
  t.equal(kv.getText('a'), 'é');
  t.equal(kv.set('a', Uint8Array.of(1), { expectedRevision: 1 }), 2n);
  t.throws(() => kv.set('a', 'x', { expectedRevision: 1 }), new HostError('kv', 'conflict'));
  t.throws(
    () => kv.set('a', 'x', { expectedRevision: 0 }),
    new HostError('kv', 'conflict'),
    '0 = must not exist',
  );
  t.equal(kv.setJson('j', { x: [1] }), 1n);
  t.same(kv.getJson('j'), { x: [1] });
  t.equal(kv.delete('j'), true);
  t.equal(kv.delete('j'), false);

  for (const k of ['p:3', 'p:1', 'p:2', 'q:1']) kv.set(k, '');
  t.same(kv.list('p:'), { keys: ['p:1'], cursor: 'p:1' });
  t.same(kv.keys('p:'), ['p:1', 'p:2', 'p:3'], 'follows cursors');

  t.same(
    kv.update<number>('n', (n) => (n ?? 0) + 1),
    { value: 1, revision: 1n },
  );
  // A concurrent writer slips in once: the update retries on the conflict.
  const set = host.kv.set;
  let raced = false;
  host.kv.set = (key, value, options) => {
    if (!raced) {
      raced = true;
      set(key, new TextEncoder().encode('10'), {});
    }
    return set(key, value, options);
  };
  t.same(
    kv.update<number>('n', (n) => (n ?? 0) + 1),
    { value: 11, revision: 3n },
  );
  host.kv.set = () => {
    throw 'conflict';
  };
  t.throws(
    () => kv.update<number>('n', (n) => (n ?? 0) + 1, { retries: 2 }),
    new HostError('kv', 'conflict'),
  );
  t.equal(store.get('n')?.revision, 3n);
});

t.test('kv.keys stops when a host repeats its cursor', async (t) => {
  const { host } = fakeHost();
  host.kv.list = () => ({ keys: ['a'], cursor: 'a' });
  useHostBindings(host);
  t.same(kv.keys(), ['a', 'a']);
});

t.test('fetch', async (t) => {
  const { host, fetched } = fakeHost();
  useHostBindings(host);
  const res = fetch('https://api.example.com/x', {
    method: 'post',
    headers: { 'X-Key': 'k' },
    body: '{"a":1}',
    timeoutMs: 500,
  });
  t.same(fetched[0], {
    method: 'POST',
    url: 'https://api.example.com/x',
    headers: [['x-key', 'k']],
    body: new TextEncoder().encode('{"a":1}'),
    timeoutMs: 500,
  });
  t.equal(res.status, 200);
  t.equal(res.header('Content-Type'), 'application/json');
  t.same(res.json(), { ok: true });
  t.equal(res.text(), '{"ok":true}');
  t.equal(fetch('https://api.example.com/').body.length, 11);
  t.throws(
    () => fetch('https://blocked.example.com/'),
    new HostError('http', 'not-allowed', 'host not in egress allowlist'),
  );
});
