// GET|HEAD /ext-ui/{extensionId}/{contentHash}/{*path} (SPEC section 6): headers, validators, ranges,
// compression, SPA fallback, path sanitization, ownership and integrity failures.
import { randomUUID } from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import t, { type Test } from 'tap';
import { OwnershipCache } from '@annex/runner';
import { packUiBundle, registerVersion, registerVersionFor } from './ext-ui-fixture.js';
import { runnerHarness } from './harness.js';

/** GET with the path sent exactly as written (no client-side normalization). */
function rawGet(url: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(url);
  const path = url.slice(url.indexOf('/', url.indexOf('//') + 2));
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
const BIG_JS = `export const data = ${JSON.stringify('x'.repeat(5000))};\n`;
const BINARY = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256));
const FILES = {
  'index.html': '<!doctype html><title>probe</title><script type="module" src="app.js"></script>',
  'app.js': BIG_JS,
  'style.css': 'body { color: red; }',
  'img/logo.png': BINARY,
  'data.bin': BINARY,
  'sub/page.html': '<p>sub</p>',
  '.secret': 'hidden',
};

t.test('ext-ui', async (t) => {
  const h = await runnerHarness(t, { env: { EXT_UI_FRAME_ANCESTORS: "'self' https://host.example" } });
  const bundle = await packUiBundle(h, { files: FILES });
  const ext = await registerVersion(h, bundle.contentHash);
  const base = `/ext-ui/${ext}/${bundle.contentHash}`;
  const get = (path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') =>
    h.app.inject({ method, url: `${base}${path}`, headers });
  const expectError = (t: Test, res: Awaited<ReturnType<typeof get>>, status: number, code?: string) => {
    t.equal(res.statusCode, status, `${status}: ${res.body.slice(0, 200)}`);
    t.equal(res.headers['cache-control'], 'no-store', 'errors are not cacheable');
    t.notOk(res.headers.etag, 'no etag on errors');
    if (code) t.equal(res.json().error.code, code);
  };

  t.test('HTML: 200 with immutable caching, strong ETag, nosniff and a strict CSP', async (t) => {
    const res = await get('/index.html');
    t.equal(res.statusCode, 200);
    t.equal(res.body, FILES['index.html']);
    t.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    t.equal(res.headers['cache-control'], IMMUTABLE);
    t.equal(res.headers['x-content-type-options'], 'nosniff');
    t.match(res.headers.etag, /^"sha256-[0-9a-f]{64}"$/);
    const csp = String(res.headers['content-security-policy']);
    t.match(csp, /default-src 'self'/);
    t.match(csp, /script-src 'self'(;|$)/);
    t.match(csp, /frame-ancestors 'self' https:\/\/host\.example(;|$)/);
    t.match(csp, /base-uri 'none'/);
    t.match(csp, /form-action 'none'/);
    t.notMatch(csp, /unsafe-inline|unsafe-eval/);
    t.equal(res.headers['access-control-allow-origin'], '*');
    // The same answer for a bare hex hash.
    const bare = await h.app.inject(`/ext-ui/${ext}/${bundle.contentHash.slice(7)}/index.html`);
    t.equal(bare.statusCode, 200);
    t.equal(bare.headers.etag, res.headers.etag);
  });

  t.test('content types; CSP only on HTML', async (t) => {
    const css = await get('/style.css');
    t.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    t.notOk(css.headers['content-security-policy']);
    const png = await get('/img/logo.png');
    t.equal(png.headers['content-type'], 'image/png');
    t.same(png.rawPayload, BINARY);
    const bin = await get('/data.bin');
    t.equal(bin.headers['content-type'], 'application/octet-stream');
    t.equal(bin.headers['x-content-type-options'], 'nosniff');
  });

  t.test('304 on If-None-Match, with the immutable header', async (t) => {
    const first = await get('/style.css');
    const etag = String(first.headers.etag);
    const again = await get('/style.css', { 'if-none-match': etag });
    t.equal(again.statusCode, 304);
    t.equal(again.body, '');
    t.equal(again.headers.etag, etag);
    t.equal(again.headers['cache-control'], IMMUTABLE);
    const listed = await get('/style.css', { 'if-none-match': `"other", W/${etag}` });
    t.equal(listed.statusCode, 304);
    const other = await get('/style.css', { 'if-none-match': '"sha256-00"' });
    t.equal(other.statusCode, 200);
  });

  t.test('HEAD: headers and length, no body', async (t) => {
    const res = await get('/img/logo.png', {}, 'HEAD');
    t.equal(res.statusCode, 200);
    t.equal(res.body, '');
    t.equal(res.headers['content-length'], String(BINARY.length));
    t.equal(res.headers['cache-control'], IMMUTABLE);
    t.match(res.headers.etag, /^"sha256-/);
    const html = await get('/index.html', {}, 'HEAD');
    t.ok(html.headers['content-security-policy']);
  });

  t.test('ranges: 206 with Content-Range, 416 when unsatisfiable', async (t) => {
    const res = await get('/data.bin', { range: 'bytes=10-19' });
    t.equal(res.statusCode, 206);
    t.equal(res.headers['content-range'], `bytes 10-19/${BINARY.length}`);
    t.equal(res.headers['content-length'], '10');
    t.same(res.rawPayload, BINARY.subarray(10, 20));
    t.equal(res.headers['cache-control'], IMMUTABLE);
    t.equal(res.headers['accept-ranges'], 'bytes');
    const suffix = await get('/data.bin', { range: 'bytes=-6' });
    t.equal(suffix.statusCode, 206);
    t.same(suffix.rawPayload, BINARY.subarray(BINARY.length - 6));
    const open = await get('/data.bin', { range: 'bytes=4090-' });
    t.same(open.rawPayload, BINARY.subarray(4090));
    // Ranges are served uncompressed even when the client accepts compression.
    const js = await get('/app.js', { range: 'bytes=0-5', 'accept-encoding': 'br, gzip' });
    t.equal(js.statusCode, 206);
    t.notOk(js.headers['content-encoding']);
    t.equal(js.body, BIG_JS.slice(0, 6));
    const bad = await get('/data.bin', { range: `bytes=${BINARY.length}-` });
    expectError(t, bad, 416, 'RANGE_NOT_SATISFIABLE');
    t.equal(bad.headers['content-range'], `bytes */${BINARY.length}`);
    t.not(bad.headers['cache-control'], IMMUTABLE);
    // A stale If-Range gets the whole file.
    const stale = await get('/data.bin', { range: 'bytes=0-1', 'if-range': '"sha256-00"' });
    t.equal(stale.statusCode, 200);
    t.equal(stale.rawPayload.length, BINARY.length);
  });

  t.test('compression on the fly for text above 1 KB', async (t) => {
    const br = await get('/app.js', { 'accept-encoding': 'gzip, deflate, br' });
    t.equal(br.statusCode, 200);
    t.equal(br.headers['content-encoding'], 'br');
    t.equal(br.headers.vary, 'Accept-Encoding');
    t.equal(br.headers['content-type'], 'text/javascript; charset=utf-8');
    t.equal(brotliDecompressSync(br.rawPayload).toString(), BIG_JS);
    t.ok(br.rawPayload.length < BIG_JS.length / 10);
    const gz = await get('/app.js', { 'accept-encoding': 'gzip' });
    t.equal(gz.headers['content-encoding'], 'gzip');
    t.equal(gunzipSync(gz.rawPayload).toString(), BIG_JS);
    t.not(gz.headers.etag, br.headers.etag, 'each encoding has its own strong validator');
    t.equal(
      (await get('/app.js', { 'accept-encoding': 'gzip', 'if-none-match': String(gz.headers.etag) }))
        .statusCode,
      304,
    );
    const plain = await get('/app.js');
    t.notOk(plain.headers['content-encoding']);
    t.equal(plain.body, BIG_JS);
    t.equal(plain.headers.vary, 'Accept-Encoding');
    const refused = await get('/app.js', { 'accept-encoding': 'br;q=0, gzip;q=0' });
    t.notOk(refused.headers['content-encoding']);
    const small = await get('/style.css', { 'accept-encoding': 'br' });
    t.notOk(small.headers['content-encoding'], 'small files are sent as they are');
    const png = await get('/img/logo.png', { 'accept-encoding': 'br' });
    t.notOk(png.headers['content-encoding'], 'images are not compressed');
  });

  t.test('SPA fallback only for extension-less paths; missing files are 404', async (t) => {
    for (const path of ['/', '/settings', '/settings/profile', '/sub']) {
      const res = await get(path);
      t.equal(res.statusCode, 200, path);
      t.equal(res.body, FILES['index.html'], path);
      t.ok(res.headers['content-security-policy'], path);
    }
    t.equal((await get('/sub/page.html')).body, FILES['sub/page.html']);
    expectError(t, await get('/missing.js'), 404, 'NOT_FOUND');
    expectError(t, await get('/settings/missing.css'), 404, 'NOT_FOUND');
  });

  t.test('path sanitization: 400', async (t) => {
    const bad = [
      '/../manifest.json',
      '/sub/../index.html',
      '/%2e%2e/manifest.json',
      '/%2E%2E/%2e%2e/etc/passwd',
      '/sub/%2e%2e/index.html',
      '/./index.html',
      '/.secret',
      '/%2esecret',
      '/sub/.hidden/x.js',
      '/sub\\page.html',
      '/sub%5cpage.html',
      '/index.html%00.js',
      '/a%0ab.js',
      '/a%7fb.js',
      '/sub%2fpage.html',
      '//index.html',
    ];
    // Over a real socket: light-my-request would resolve dot segments before the router saw them.
    const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
    for (const path of bad) {
      const res = await rawGet(`${address}${base}${path}`);
      t.equal(res.status, 400, path);
      t.equal(res.headers['cache-control'], 'no-store', `${path}: not cacheable`);
      t.equal((JSON.parse(res.body) as { error: { code: string } }).error.code, 'BAD_REQUEST', path);
    }
    t.equal((await rawGet(`${address}${base}/%zz.js`)).status, 400, 'invalid percent-encoding');
    expectError(t, await h.app.inject(`/ext-ui/not-a-uuid/${bundle.contentHash}/index.html`), 400);
    expectError(t, await h.app.inject(`/ext-ui/${ext}/sha256:1234/index.html`), 400);
    expectError(t, await h.app.inject(`/ext-ui/${ext}/md5:${'a'.repeat(64)}/index.html`), 400);
  });

  t.test('ownership: a hash the extension does not own is 404', async (t) => {
    const other = await packUiBundle(h, { files: { ...FILES, 'other.txt': 'other' } });
    const stranger = await registerVersion(h, other.contentHash);
    const res = await h.app.inject(`/ext-ui/${stranger}/${bundle.contentHash}/index.html`);
    expectError(t, res, 404, 'NOT_FOUND');
    expectError(t, await h.app.inject(`/ext-ui/${randomUUID()}/${bundle.contentHash}/index.html`), 404);
    // A fresh publish is served within the short negative cache time.
    const fresh = await packUiBundle(h, { files: { ...FILES, 'fresh.txt': randomUUID() } });
    const freshExt = randomUUID();
    expectError(t, await h.app.inject(`/ext-ui/${freshExt}/${fresh.contentHash}/index.html`), 404);
    const owner = await registerVersion(h, fresh.contentHash);
    expectError(t, await h.app.inject(`/ext-ui/${freshExt}/${fresh.contentHash}/index.html`), 404);
    t.equal((await h.app.inject(`/ext-ui/${owner}/${fresh.contentHash}/index.html`)).statusCode, 200);
  });

  t.test('ownership answers: negative ones expire within seconds, positive ones last', async (t) => {
    let now = 1_000_000;
    const cache = new OwnershipCache({ db: h.database.db, now: () => now });
    const fresh = await packUiBundle(h, { files: { ...FILES, 'later.txt': randomUUID() } });
    const owner = await registerVersion(h, fresh.contentHash);
    t.equal(await cache.owns(owner, bundle.contentHash), false);
    t.equal(await cache.owns(ext, bundle.contentHash), true);
    now += 59_000;
    t.equal(await cache.owns(ext, bundle.contentHash), true, 'cached for up to 60 s');
    // A "no" is re-checked after 2 s.
    now += 1_000;
    t.equal(await cache.owns(owner, bundle.contentHash), false, 'still cached');
    await registerVersionFor(h, owner, bundle.contentHash);
    t.equal(await cache.owns(owner, bundle.contentHash), false, 'negative answer still cached');
    now += 2_001;
    t.equal(await cache.owns(owner, bundle.contentHash), true, 'a fresh publish is seen after 2 s');
  });

  t.test('a bundle without a UI is 404; a missing bundle is 404', async (t) => {
    const noUi = await packUiBundle(h, { files: { ...FILES, 'no-ui.txt': 'x' }, ui: false });
    const id = await registerVersion(h, noUi.contentHash);
    expectError(t, await h.app.inject(`/ext-ui/${id}/${noUi.contentHash}/index.html`), 404);
    const ghost = `sha256:${'ab'.repeat(32)}`;
    const ghostExt = await registerVersion(h, ghost);
    expectError(t, await h.app.inject(`/ext-ui/${ghostExt}/${ghost}/index.html`), 404, 'BUNDLE_NOT_FOUND');
  });

  t.test('a tampered archive: 502, nothing served', async (t) => {
    const tampered = await packUiBundle(h, { files: { ...FILES, 'index.html': 'tampered' }, tamper: true });
    const id = await registerVersion(h, tampered.contentHash);
    for (const path of ['/index.html', '/', '/app.js']) {
      const res = await h.app.inject(`/ext-ui/${id}/${tampered.contentHash}${path}`);
      expectError(t, res, 502, 'BUNDLE_INTEGRITY');
      t.notMatch(res.body, /tampered|<title>/);
      t.notOk(res.headers['content-security-policy']);
    }
  });

  t.test('no bearer token needed; leases are released', async (t) => {
    await get('/data.bin');
    await get('/app.js', { 'accept-encoding': 'br' });
    await get('/index.html', {}, 'HEAD');
    const stats = await h.stats();
    t.equal(stats.bundles.inUse, 0, 'every lease was released');
  });
});

t.test('EXT_UI_STRICT=false serves a hash without checking ownership', async (t) => {
  const h = await runnerHarness(t, { env: { EXT_UI_STRICT: 'false' } });
  const bundle = await packUiBundle(h, { files: FILES });
  const res = await h.app.inject(`/ext-ui/${randomUUID()}/${bundle.contentHash}/index.html`);
  t.equal(res.statusCode, 200);
  t.equal(res.body, FILES['index.html']);
  t.match(String(res.headers['content-security-policy']), /frame-ancestors 'self'(;|$)/);
});
