// The hello example's UI served by /ext-ui and embedded by a host page in
// <iframe sandbox="allow-scripts"> (opaque origin): the page renders under the runner's CSP, the
// bridge handshake completes and a request goes through the host. Saves test-artifacts/ext-ui.png.
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '@annex/test-support';
import t from 'tap';
import { packUiBundle, registerVersion } from './ext-ui-fixture.js';
import { runnerHarness } from './harness.js';

const helloUi = fileURLToPath(new URL('../../../examples/hello/ui', import.meta.url));
const artifacts = fileURLToPath(new URL('../../../test-artifacts', import.meta.url));

/** The host application: answers the handshake with a MessagePort and serves GET /notes itself. */
function hostPage(frameUrl: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>host</title></head>
<body style="font-family: sans-serif">
<h1>Host application</h1>
<p id="host-status">waiting for the extension</p>
<iframe id="ext" sandbox="allow-scripts" src="${frameUrl}" style="width: 640px; height: 420px; border: 1px solid #999"></iframe>
<script>
  window.recorded = [];
  const frame = document.getElementById('ext');
  window.addEventListener('message', (event) => {
    // The frame's origin is opaque ("null"): trust the window, not the origin.
    if (event.source !== frame.contentWindow) return;
    if (!event.data || event.data.type !== 'annex:hello') return;
    window.recorded.push({ type: 'hello', origin: event.origin });
    const channel = new MessageChannel();
    channel.port1.onmessage = (msg) => {
      const req = msg.data;
      window.recorded.push({ type: 'request', method: req.method, path: req.path });
      const body = req.method === 'GET' && req.path === '/notes'
        ? JSON.stringify({ items: [{ id: '1', text: 'note from the host', createdAt: '2026-01-01T00:00:00Z' }] })
        : JSON.stringify({ error: { message: 'not in this test' } });
      channel.port1.postMessage({ type: 'annex:response', id: req.id, status: body.includes('error') ? 404 : 200, headers: {}, body });
    };
    event.source.postMessage({ type: 'annex:welcome', version: 1 }, '*', [channel.port2]);
    document.getElementById('host-status').textContent = 'handshake answered';
  });
</script>
</body></html>`;
}

t.test('the hello UI in a sandboxed iframe completes the bridge handshake', async (t) => {
  let page = '';
  const host: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => host.close(() => resolve())));
  const hostOrigin = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;

  const h = await runnerHarness(t, { env: { EXT_UI_FRAME_ANCESTORS: hostOrigin } });
  const bundle = await packUiBundle(h, { uiDir: helloUi });
  const ext = await registerVersion(h, bundle.contentHash);
  const runner = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const frameUrl = `${runner}/ext-ui/${ext}/${bundle.contentHash}/index.html?parentOrigin=${encodeURIComponent(hostOrigin)}`;
  page = hostPage(frameUrl);

  const { browser, close } = await launchBrowser();
  t.teardown(close);
  const tab = await browser.newPage({ viewport: { width: 720, height: 560 } });
  const problems: string[] = [];
  tab.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(msg.text());
  });
  tab.on('pageerror', (err) => problems.push(err.message));
  await tab.goto(`${hostOrigin}/`);

  const frame = tab.frameLocator('#ext');
  await frame.locator('h1').waitFor({ timeout: 15000 });
  t.equal(await frame.locator('h1').textContent(), 'Hello', 'the UI renders');
  await frame.getByText('Connected to the host.').waitFor({ timeout: 15000 });
  await frame.getByText('note from the host').waitFor({ timeout: 15000 });
  t.equal(await tab.locator('#host-status').textContent(), 'handshake answered');
  const recorded = (await tab.evaluate('window.recorded')) as Array<Record<string, string>>;
  t.same(recorded, [
    { type: 'hello', origin: 'null' },
    { type: 'request', method: 'GET', path: '/notes' },
  ]);
  // The stylesheet applied (style-src 'self' under the runner's CSP).
  const fontFamily = await frame
    .locator('body')
    .evaluate(
      (el) =>
        (globalThis as unknown as { getComputedStyle(e: unknown): { fontFamily: string } }).getComputedStyle(
          el,
        ).fontFamily,
    );
  t.match(fontFamily, /system-ui/);
  t.same(problems, [], 'no console errors (CSP, CORS)');

  await mkdir(artifacts, { recursive: true });
  await tab.screenshot({ path: `${artifacts}/ext-ui.png` });
});

t.test('a host outside EXT_UI_FRAME_ANCESTORS cannot frame the UI', async (t) => {
  let page = '';
  const host: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => host.close(() => resolve())));
  const hostOrigin = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;

  const h = await runnerHarness(t, { env: { EXT_UI_FRAME_ANCESTORS: 'https://host.example' } });
  const bundle = await packUiBundle(h, { uiDir: helloUi });
  const ext = await registerVersion(h, bundle.contentHash);
  const runner = await h.app.listen({ host: '127.0.0.1', port: 0 });
  page = hostPage(`${runner}/ext-ui/${ext}/${bundle.contentHash}/index.html`);

  const { browser, close } = await launchBrowser();
  t.teardown(close);
  const tab = await browser.newPage();
  await tab.goto(`${hostOrigin}/`);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  t.equal(await tab.locator('#host-status').textContent(), 'waiting for the extension', 'no handshake');
  t.same(await tab.evaluate('window.recorded'), []);
});
