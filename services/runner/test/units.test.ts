// The runner's pure units: memory patching, forbidden address ranges, allowlist matching, the
// idempotency store's bounds, the logging budget and the denied stubs.
import t from 'tap';
import { parse } from '@bytecodealliance/jco';
import { parseEgressList } from '@annex/config';
import {
  egressAllowlist,
  forbiddenKind,
  IdempotencyStore,
  patchMemoryMaximum,
  ruleMatches,
  targetOf,
} from '@annex/runner';
import { GUEST_FACTORS } from '../dist/host/factors.js';
import { loggingFactor } from '../dist/host/logging/logging-factor.js';
import type { ActiveCall, InstanceScope } from '../dist/host/factor.js';

// @types/node 20 declares no WebAssembly global: the part this test uses.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: Record<string, unknown> };
};

/** What a host function threw (WIT errors are thrown values, not Errors). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

t.test('patchMemoryMaximum caps defined memories and leaves the rest alone', async (t) => {
  const wasm = async (wat: string) => parse(wat);
  const noMax = patchMemoryMaximum(
    await wasm(
      '(module (memory (export "m") 2) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))',
    ),
    4,
  );
  t.same(noMax.memories, [{ initialPages: 2, maximumPages: 4 }]);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(noMax.bytes));
  const grow = instance.exports.grow as (pages: number) => number;
  t.equal(grow(2), 2, 'grows up to the cap');
  t.equal(grow(1), -1, 'and not past it');

  t.same(patchMemoryMaximum(await wasm('(module (memory 1 100))'), 4).memories, [
    { initialPages: 1, maximumPages: 4 },
  ]);
  t.same(patchMemoryMaximum(await wasm('(module (memory 1 3))'), 4).memories, [
    { initialPages: 1, maximumPages: 3 },
  ]);
  const big = patchMemoryMaximum(await wasm('(module (memory 300))'), 60_000);
  t.same(big.memories, [{ initialPages: 300, maximumPages: 60_000 }], 'multi-byte LEB128 numbers');
  new WebAssembly.Module(big.bytes);

  const imported = await wasm('(module (import "env" "memory" (memory 1)))');
  t.same(
    patchMemoryMaximum(imported, 4),
    { bytes: imported, memories: [] },
    "imported memories are the exporter's",
  );
  t.throws(
    () => patchMemoryMaximum(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), 4),
    /not a WebAssembly core module/,
  );
  const memory64 = Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0x04, 1);
  t.throws(() => patchMemoryMaximum(memory64, 4), /unsupported memory type/);
});

t.test('forbidden address ranges', async (t) => {
  const cases: Array<[string, string | undefined]> = [
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.32.0.1', undefined],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.100.100.200', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'reserved'],
    ['fd00:ec2::254', 'metadata'],
    ['fc00::1', 'private'],
    ['fe80::1', 'link-local'],
    ['224.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['8.8.8.8', undefined],
    ['93.184.216.34', undefined],
    ['2606:4700:4700::1111', undefined],
    ['not-an-ip', 'reserved'],
  ];
  for (const [address, kind] of cases) t.equal(forbiddenKind(address), kind, address);
});

t.test('allowlist rules: scheme, host wildcard and port', async (t) => {
  const target = (url: string) => targetOf(new URL(url))!;
  const [wild] = parseEgressList('*.example.com');
  t.ok(ruleMatches(wild!, target('https://api.example.com/x')));
  t.ok(ruleMatches(wild!, target('https://a.b.example.com/x')));
  t.notOk(ruleMatches(wild!, target('https://example.com/x')), 'the wildcard needs a subdomain');
  t.notOk(ruleMatches(wild!, target('https://badexample.com/x')));
  t.notOk(ruleMatches(wild!, target('http://api.example.com/x')), 'https only unless http is written');
  t.notOk(ruleMatches(wild!, target('https://api.example.com:8443/x')), 'the default port only');
  t.ok(ruleMatches(wild!, target('https://API.Example.COM./x')), 'case and a trailing dot');
  const list = egressAllowlist(['api.example.com', 'http://legacy.example.com:8080'], parseEgressList('*'));
  t.ok(list.allows(target('https://api.example.com/')));
  t.notOk(list.allows(target('http://legacy.example.com:8080/')), 'the ceiling "*" allows https only');
  const both = egressAllowlist(
    ['http://legacy.example.com:8080'],
    parseEgressList('http://*.example.com:8080'),
  );
  t.ok(both.allows(target('http://legacy.example.com:8080/')));
  t.notOk(
    egressAllowlist(['api.example.com'], []).allows(target('https://api.example.com/')),
    'empty ceiling',
  );
  t.equal(targetOf(new URL('ftp://x.example/')), undefined);
});

t.test('idempotency store: TTL, entry and byte bounds', async (t) => {
  let now = 1_000;
  const store = new IdempotencyStore({
    ttlMs: 100,
    maxEntries: 3,
    maxBytes: 1000,
    maxAnswerBytes: 200,
    now: () => now,
  });
  const scope = (key: string) => ({ tenantId: 't', extensionId: 'e', key });
  let runs = 0;
  const run = (key: string, fp = 'fp', answer = `answer-${key}`) =>
    store.run(scope(key), fp, async () => {
      runs++;
      return answer;
    });
  t.same(await run('a'), { answer: 'answer-a', replayed: false });
  t.same(await run('a'), { answer: 'answer-a', replayed: true });
  await t.rejects(run('a', 'other'), { code: 'IDEMPOTENCY_KEY_REUSED' });
  now += 101;
  t.same(await run('a', 'other'), { answer: 'answer-a', replayed: false }, 'expired: the key is free again');
  for (const key of ['b', 'c', 'd']) await run(key);
  t.equal(store.size().entries, 3, 'at most maxEntries, oldest dropped');
  t.equal((await run('a', 'other')).replayed, false, 'a was the oldest');
  await run('big', 'fp', 'x'.repeat(500));
  t.equal(
    (await run('big', 'fp', 'x'.repeat(500))).replayed,
    false,
    'answers above maxAnswerBytes are not kept',
  );
  await t.rejects(store.run(scope('fails'), 'fp', async () => Promise.reject(new Error('runner error'))));
  t.equal((await run('fails')).replayed, false, 'a failure leaves the key free');
  t.ok(store.size().bytes <= 1000);
  t.ok(runs > 0);
});

t.test('logging budget and denied stubs', async (t) => {
  const posted: string[] = [];
  const call: ActiveCall = {
    callId: 1,
    data: { logging: { maxLineBytes: 10, maxLinesPerCall: 2, maxBytesPerCall: 100 } },
    deadline: Date.now() + 1000,
    counters: {},
  };
  const scope: InstanceScope = {
    call: () => call,
    bridge: () => {
      throw new Error('not used');
    },
    post: (m) => posted.push(m.message),
  };
  const { log } = loggingFactor.link(scope);
  log('info', 'ünïcödé and more');
  log('warn', 'second');
  t.equal(
    thrown(() => log('info', 'third')),
    'rate-limited',
  );
  t.same(posted, ['ünïcöd…', 'second'], 'cut at 10 bytes without splitting a character');

  for (const factor of GUEST_FACTORS) {
    if (factor.alwaysGranted) continue;
    const stub = factor.denied() as Record<string, () => unknown>;
    for (const [name, fn] of Object.entries(stub)) {
      const err = thrown(fn);
      t.ok(
        err === 'denied' || (err as { tag?: string })?.tag === 'denied',
        `${factor.name}.${name} answers denied`,
      );
    }
  }
});
