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

t.test('a bad environment stops start-up with one message naming every bad variable', async (t) => {
  const dir = tempDir();
  t.teardown(dir.remove);
  const proc = startNode(main, { DATA_DIR: dir.path, PORT: 'abc', STORAGE_S3_FORCE_PATH_STYLE: 'maybe' });
  t.equal(await proc.exited, 1);
  const stderr = proc.stderr();
  t.equal(stderr.match(/Invalid configuration/g)?.length, 1, 'one message');
  t.match(stderr, /PORT: must be an integer/);
  t.match(stderr, /STORAGE_S3_FORCE_PATH_STYLE: must be true or false/);
  t.notMatch(stderr, /\n\s+at /, 'no stack trace');
});

t.test(`runs on its own (${testDatabaseKind()}): migrates, serves /readyz, stops on SIGTERM`, async (t) => {
  const database = testDatabaseKind() === 'postgres' ? await createTestDatabase() : undefined;
  const dir = tempDir();
  t.teardown(async () => {
    dir.remove();
    await database?.close();
  });
  const proc = startNode(main, { ...serviceEnv(dir.path, database), PORT: '0', LOG_LEVEL: 'info' });
  t.teardown(() => proc.kill('SIGKILL'));
  const url = (await proc.waitForOutput(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  const ready = await waitFor(async () => {
    const res = await fetch(`${url}/readyz`);
    return res.status === 200 ? res.json() : undefined;
  });
  t.same(ready, { status: 'ready', checks: { database: 'ok', store: 'ok' } });
  proc.kill('SIGTERM');
  t.equal(await proc.exited, 0);
});
