// One request id from the gateway through the runner, the guest's log line and the execution row:
// the registry and the runner over HTTP (both in this process, each with its log captured), the hello
// example installed and called through the gateway, once with the caller's x-request-id and once
// without (the gateway's own id then travels the same way). Both services log the id as `reqId`.
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import t, { type Test } from 'tap';
import { loadConfig } from '@annex/config';
import { buildHelloComponent } from '@annex/example-hello';
import { buildRegistryApp } from '@annex/registry';
import { buildRunnerApp } from '@annex/runner';
import { createBundleStore } from '@annex/store';
import {
  bundleBytes,
  callApi,
  createApiKey,
  createTestDatabase,
  publishBundle,
  tempDir,
  testDatabaseKind,
  waitFor,
} from '@annex/test-support';
import type { FastifyInstance } from 'fastify';

const ADMIN = 'test-admin-token-0123456789';

type LogLine = Record<string, unknown> & { reqId?: string; msg?: string };

function logCapture() {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
      callback();
    },
  });
  return { lines, stream };
}

const urlOf = (app: FastifyInstance) => `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

t.test(
  `a request id travels gateway → runner → guest log → execution row (${testDatabaseKind()})`,
  async (t) => {
    const component = await readFile((await buildHelloComponent({ cache: true })).outFile);
    const dir = tempDir();
    const database = await createTestDatabase();
    const env = { DATA_DIR: dir.path, HOST: '127.0.0.1', LOG_LEVEL: 'info', REGISTRY_ADMIN_TOKEN: ADMIN };
    const runnerConfig = loadConfig('runner', env, { generateLocalSecrets: true });
    const resources = { database, store: createBundleStore(runnerConfig.store) };
    const runnerLog = logCapture();
    const registryLog = logCapture();
    const runner = await buildRunnerApp({ config: runnerConfig, resources, logStream: runnerLog.stream });
    const apps: FastifyInstance[] = [runner];
    t.teardown(async () => {
      await Promise.all(apps.map((app) => app.close()));
      resources.store.close();
      await database.close();
      dir.remove();
    });
    await runner.listen({ port: 0, host: '127.0.0.1' });
    const registryConfig = loadConfig(
      'registry',
      { ...env, RUNNER_BASE_URL: urlOf(runner) },
      { generateLocalSecrets: true },
    );
    const registry = await buildRegistryApp({
      config: registryConfig,
      resources,
      logStream: registryLog.stream,
    });
    apps.push(registry);
    await registry.listen({ port: 0, host: '127.0.0.1' });
    const base = urlOf(registry);

    const api = (key: string, method: string, path: string, body?: unknown) =>
      callApi(base, key, method, path, body);
    const publisher = await createApiKey(base, ADMIN, { role: 'publisher', publishers: ['acme'] });
    const tenant = await createApiKey(base, ADMIN, { role: 'tenant', tenantId: 't1' });

    // Publish hello's component with an endpoint that logs, and install it.
    const manifest = {
      name: 'hello',
      version: '1.0.0',
      capabilities: ['cap:context.read', 'cap:log.emit', 'cap:config.read', 'cap:storage.kv'],
      api: { endpoints: [{ method: 'GET', path: '/hello/:name' }] },
    };
    await publishBundle(base, publisher, await bundleBytes(manifest, component));
    const install = await api(tenant, 'POST', '/v1/tenants/t1/installs', { extension: 'acme.hello' });
    t.equal(install.status, 201);

    const call = (name: string, headers: Record<string, string> = {}) =>
      fetch(`${base}/api/ext/acme.hello/hello/${name}`, {
        headers: { authorization: `Bearer ${tenant}`, ...headers },
      });

    /** The three places the id must reach, and the shared field names of both services' lines. */
    async function traced(t: Test, requestId: string, name: string) {
      const onRunner = await waitFor(
        () =>
          runnerLog.lines.find(
            (l) => l.reqId === requestId && l.msg === 'request completed' && !('guest' in l),
          ),
        { what: `the runner's line for ${requestId}` },
      );
      t.match(onRunner, { service: 'runner', reqId: requestId, res: { statusCode: 200 } });
      const incoming = runnerLog.lines.find((l) => l.reqId === requestId && l.msg === 'incoming request');
      t.match(incoming, { service: 'runner', req: { id: requestId, method: 'POST', url: '/v1/execute' } });

      const guest = await waitFor(
        () => runnerLog.lines.find((l) => l.guest === true && l.reqId === requestId),
        {
          what: `the guest's line for ${requestId}`,
        },
      );
      t.match(guest, {
        service: 'runner',
        guest: true,
        reqId: requestId,
        tenantId: 't1',
        msg: new RegExp(`greeted ${name}`),
      });

      const onGateway = registryLog.lines.find((l) => l.reqId === requestId && l.msg === 'incoming request');
      t.match(onGateway, {
        service: 'registry',
        req: { id: requestId, method: 'GET', url: `/api/ext/acme.hello/hello/${name}` },
      });
      // The same field names on both services' lines: level, time, service, reqId, msg.
      for (const line of [onRunner, guest, onGateway!]) {
        t.match(line, { level: Number, time: Number, service: String, reqId: requestId, msg: String });
      }

      const row = await waitFor(
        async () => {
          const listed = await api(tenant, 'GET', '/v1/tenants/t1/executions?limit=100');
          return (listed.json.items as Array<Record<string, unknown>>).find((r) => r.requestId === requestId);
        },
        { what: `the execution row of ${requestId}` },
      );
      t.match(row, { requestId, status: 200, error: null });
    }

    t.test("the caller's x-request-id", async (t) => {
      const res = await call('ada', { 'x-request-id': 'corr-e2e-0001' });
      t.equal(res.status, 200);
      t.match(await res.json(), { message: 'Hello, ada!' });
      t.equal(res.headers.get('x-request-id'), 'corr-e2e-0001');
      await traced(t, 'corr-e2e-0001', 'ada');
    });

    t.test("the gateway's own id when the caller sends none", async (t) => {
      const res = await call('grace');
      t.equal(res.status, 200);
      await res.arrayBuffer();
      const requestId = res.headers.get('x-request-id');
      t.ok(requestId, 'the gateway answers with its request id');
      await traced(t, requestId!, 'grace');
    });

    t.test('an id that is not a valid request id is replaced, and the replacement travels', async (t) => {
      const res = await call('linus', { 'x-request-id': 'bad id with spaces' });
      t.equal(res.status, 200);
      await res.arrayBuffer();
      const requestId = res.headers.get('x-request-id')!;
      t.not(requestId, 'bad id with spaces');
      await traced(t, requestId, 'linus');
    });
  },
);
