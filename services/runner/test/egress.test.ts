// http.fetch from the probe guest against real HTTP servers on loopback. 127.0.0.2 plays a public
// host through the test-only exemption (buildRunnerApp's unsafeTestOnlyEgress, which no configuration
// can set); 127.0.0.1 stays loopback and must never be reached.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { buildProbeComponent } from './components.js';
import { answerBody, b64, runnerHarness, type Harness, type Install } from './harness.js';

const HTTP_ERRORS = ['denied', 'not-allowed', 'invalid-request', 'timeout', 'too-large', 'failed'];

async function listen(server: Server, host: string): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

let privateHits = 0;
const privateServer = createServer((_req, res) => {
  privateHits++;
  res.end('internal secrets');
});
const Q = await listen(privateServer, '127.0.0.1');

let P = 0;
const publicServer = createServer((req, res) => {
  const redirect = (location: string) => {
    res.writeHead(302, { location });
    res.end();
  };
  switch (req.url) {
    case '/ok':
      res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': 'yes' });
      res.end('fetched!');
      return;
    case '/redirect-private':
      return redirect(`http://127.0.0.1:${Q}/secret`);
    case '/redirect-private-name':
      return redirect(`http://private.allowed.test:${Q}/secret`);
    case '/redirect-metadata':
      return redirect('http://169.254.169.254/latest/meta-data/');
    case '/redirect-elsewhere':
      return redirect(`http://other.allowed.test:${P}/ok`);
    case '/redirect-ok':
      return redirect('/ok');
    case '/redirect-loop':
      return redirect('/redirect-loop');
    case '/big':
      res.end(Buffer.alloc(64 * 1024, 1));
      return;
    default:
      res.writeHead(404);
      res.end();
  }
});
P = await listen(publicServer, '127.0.0.2');
t.teardown(() => {
  privateServer.close();
  publicServer.close();
});

const DNS: Record<string, string[]> = {
  'api.allowed.test': ['127.0.0.2'],
  'other.allowed.test': ['127.0.0.2'],
  'private.allowed.test': ['127.0.0.1'],
  'metadata.test': ['169.254.169.254'],
  'rebind.allowed.test': ['127.0.0.2', '10.1.2.3'],
};

const h: Harness = await runnerHarness(t, {
  env: {
    EXT_EGRESS_ALLOWLIST: [
      `http://*.allowed.test:${P}`,
      `http://private.allowed.test:${Q}`,
      `http://127.0.0.1:${Q}`,
      'http://169.254.169.254',
      'http://metadata.test',
    ].join(','),
  },
  limits: { http: { maxResponseBytes: 16 * 1024 } },
  egress: {
    resolve: async (host) => {
      const found = DNS[host];
      if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return found;
    },
    publicAddresses: ['127.0.0.2'],
  },
});
const hash = await h.publish(await buildProbeComponent());
const install: Install = await h.install(hash);

const EGRESS = [
  `http://api.allowed.test:${P}`,
  `http://rebind.allowed.test:${P}`,
  `http://127.0.0.1:${Q}`,
  `http://private.allowed.test:${Q}`,
  'http://169.254.169.254',
  'http://metadata.test',
  `http://not-in-ceiling.example:${P}`,
];

async function fetchVia(t: Test, url: string, options: { providers?: string[]; egress?: string[] } = {}) {
  const res = await h.execute(
    h.envelope(install, {
      http: { path: '/fetch', method: 'POST', body_b64: b64(url) },
      providers: options.providers ?? ['cap:http.fetch'],
      egress: options.egress ?? EGRESS,
    }),
  );
  t.equal(res.statusCode, 200, `execute answered for ${url}`);
  const answer = res.json();
  const body = answerBody(res);
  if (answer.status === 502 && body.length >= 1 && body[0]! < HTTP_ERRORS.length) {
    return { error: HTTP_ERRORS[body[0]!], message: body.subarray(1).toString(), answer };
  }
  return { status: answer.status as number, body: body.toString(), answer };
}

t.test('an allowed host is fetched and its bytes are counted', async (t) => {
  const result = await fetchVia(t, `http://api.allowed.test:${P}/ok`);
  t.equal(result.status, 200);
  t.equal(result.body, 'fetched!');
  t.ok(result.answer.metrics.egress_bytes >= 8, `egress_bytes ${result.answer.metrics.egress_bytes}`);
});

t.test('fetch without cap:http.fetch is denied', async (t) => {
  const result = await fetchVia(t, `http://api.allowed.test:${P}/ok`, { providers: ['cap:storage.kv'] });
  t.equal(result.error, 'denied');
});

t.test('a host outside the allowlist is refused', async (t) => {
  const outside = await fetchVia(t, `http://other.allowed.test:${P}/ok`);
  t.equal(outside.error, 'not-allowed', 'in the ceiling, not in the install egress');
  t.match(outside.message, /not in the egress allowlist/);
  const ceiling = await fetchVia(t, `http://not-in-ceiling.example:${P}/ok`);
  t.equal(ceiling.error, 'not-allowed', 'in the install egress, not in the ceiling');
  const port = await fetchVia(t, `http://api.allowed.test:${P + 1}/ok`);
  t.equal(port.error, 'not-allowed', 'another port');
  const scheme = await fetchVia(t, `https://api.allowed.test:${P}/ok`);
  t.equal(scheme.error, 'not-allowed', 'https is a different rule');
  const none = await fetchVia(t, `http://api.allowed.test:${P}/ok`, { egress: [] });
  t.equal(none.error, 'not-allowed', 'deny by default');
});

t.test('127.0.0.1 is refused even when allowlisted', async (t) => {
  const direct = await fetchVia(t, `http://127.0.0.1:${Q}/secret`);
  t.equal(direct.error, 'not-allowed');
  t.match(direct.message, /loopback/);
  const byName = await fetchVia(t, `http://private.allowed.test:${Q}/secret`);
  t.equal(byName.error, 'not-allowed');
  t.match(byName.message, /resolves to 127\.0\.0\.1, a loopback address/);
  t.equal(privateHits, 0, 'the private server was never reached');
});

t.test('169.254.169.254 is refused, by address and by name', async (t) => {
  const direct = await fetchVia(t, 'http://169.254.169.254/latest/meta-data/');
  t.equal(direct.error, 'not-allowed');
  t.match(direct.message, /metadata/);
  const byName = await fetchVia(t, 'http://metadata.test/latest/meta-data/');
  t.equal(byName.error, 'not-allowed');
});

t.test('a name resolving to any private address is refused whole', async (t) => {
  const result = await fetchVia(t, `http://rebind.allowed.test:${P}/ok`);
  t.equal(result.error, 'not-allowed');
  t.match(result.message, /10\.1\.2\.3/);
});

t.test('redirects are followed only to allowed, public addresses', async (t) => {
  const followed = await fetchVia(t, `http://api.allowed.test:${P}/redirect-ok`);
  t.equal(followed.status, 200);
  t.equal(followed.body, 'fetched!');

  const toPrivate = await fetchVia(t, `http://api.allowed.test:${P}/redirect-private`);
  t.equal(toPrivate.error, 'not-allowed');
  t.match(toPrivate.message, /loopback/);
  const toPrivateName = await fetchVia(t, `http://api.allowed.test:${P}/redirect-private-name`);
  t.equal(toPrivateName.error, 'not-allowed');
  const toMetadata = await fetchVia(t, `http://api.allowed.test:${P}/redirect-metadata`);
  t.equal(toMetadata.error, 'not-allowed');
  const elsewhere = await fetchVia(t, `http://api.allowed.test:${P}/redirect-elsewhere`);
  t.equal(elsewhere.error, 'not-allowed');
  t.match(elsewhere.message, /other\.allowed\.test/);
  t.equal(privateHits, 0, 'the private server was never reached');

  const loop = await fetchVia(t, `http://api.allowed.test:${P}/redirect-loop`);
  t.equal(loop.error, 'failed');
  t.match(loop.message, /more than 5 redirects/);
});

t.test('a response above the cap is too-large; a bad url is invalid-request', async (t) => {
  const big = await fetchVia(t, `http://api.allowed.test:${P}/big`);
  t.equal(big.error, 'too-large');
  const bad = await fetchVia(t, 'not a url');
  t.equal(bad.error, 'invalid-request');
  const creds = await fetchVia(t, `http://user:pw@api.allowed.test:${P}/ok`);
  t.equal(creds.error, 'invalid-request');
  const ftp = await fetchVia(t, 'ftp://api.allowed.test/file');
  t.equal(ftp.error, 'not-allowed');
});

t.test('an unknown name fails without reaching anything', async (t) => {
  const result = await fetchVia(t, `http://nowhere.allowed.test:${P}/ok`, {
    egress: [`http://*.allowed.test:${P}`],
  });
  t.equal(result.error, 'failed');
  t.match(result.message, /cannot resolve/);
});
