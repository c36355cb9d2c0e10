import { fileURLToPath } from 'node:url';
import t from 'tap';
import {
  createTestDatabase,
  serviceEnv,
  startNode,
  tempDir,
  testDatabaseKind,
  waitFor,
} from '@annex/test-support';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

t.test(`runner runs on its own (${testDatabaseKind()})`, async (t) => {
  const database = testDatabaseKind() === 'postgres' ? await createTestDatabase() : undefined;
  const dir = tempDir();
  t.teardown(async () => {
    dir.remove();
    await database?.close();
  });
  const env = {
    ...serviceEnv(dir.path, database),
    PORT: '0',
    LOG_LEVEL: 'info',
    RUNNER_TOKEN: 'runner-token-for-this-test',
  };
  const proc = startNode(main, env);
  t.teardown(() => proc.kill('SIGKILL'));
  const url = (await proc.waitForOutput(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  const ready = await waitFor(async () => {
    const res = await fetch(`${url}/readyz`);
    return res.status === 200 ? res.json() : undefined;
  });
  t.same(ready, { status: 'ready', checks: { database: 'ok', store: 'ok' } });

  t.equal((await fetch(`${url}/v1/config/fingerprint`)).status, 401);
  const wrong = await fetch(`${url}/v1/config/fingerprint`, { headers: { authorization: 'Bearer nope' } });
  t.equal(wrong.status, 401);
  const fp = await fetch(`${url}/v1/config/fingerprint`, {
    headers: { authorization: `Bearer ${env.RUNNER_TOKEN}` },
  });
  t.equal(fp.status, 200);
  t.equal(((await fp.json()) as { service: string }).service, 'runner');

  proc.kill('SIGTERM');
  t.equal(await proc.exited, 0);
});

t.test('an unreachable S3 store makes /readyz answer 503 naming the store', async (t) => {
  const dir = tempDir();
  t.teardown(dir.remove);
  const proc = startNode(main, {
    ...serviceEnv(dir.path),
    PORT: '0',
    LOG_LEVEL: 'info',
    STORAGE_S3_BUCKET: 'annex-bundles',
    STORAGE_S3_ENDPOINT: 'http://127.0.0.1:9', // discard port: nothing answers
    STORAGE_S3_ACCESS_KEY: 'ak',
    STORAGE_S3_SECRET_KEY: 'sk',
    STORAGE_S3_FORCE_PATH_STYLE: 'true',
  });
  t.teardown(() => proc.kill('SIGKILL'));
  const url = (await proc.waitForOutput(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  const res = await fetch(`${url}/readyz`);
  t.equal(res.status, 503);
  const body = (await res.json()) as {
    error: { code: string; message: string; details: { checks: Record<string, string> } };
  };
  t.equal(body.error.code, 'NOT_READY');
  t.equal(body.error.message, 'not ready: store is down');
  t.equal(body.error.details.checks.database, 'ok');
  t.match(body.error.details.checks.store, /^down: .*bucket annex-bundles not reachable/);
  t.notMatch(JSON.stringify(body), /sk|ak\b/);
  proc.kill('SIGTERM');
  t.equal(await proc.exited, 0);
});
