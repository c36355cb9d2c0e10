import { fileURLToPath } from 'node:url';
import t from 'tap';
import { createEmptyPostgresDatabase, startNode, tempDir, testDatabaseKind } from '@annex/test-support';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

t.test(`annex migrate (${testDatabaseKind()})`, async (t) => {
  const dir = tempDir();
  t.teardown(dir.remove);
  const env: Record<string, string> = { DATA_DIR: dir.path };
  if (testDatabaseKind() === 'postgres') {
    const empty = await createEmptyPostgresDatabase();
    t.teardown(() => empty.drop());
    env.DATABASE_URL = empty.url;
  }
  const first = startNode(bin, env, ['--json', 'migrate']);
  t.equal(await first.exited, 0, first.stderr());
  t.same(JSON.parse(first.stdout()), {
    database: testDatabaseKind(),
    applied: ['0001_initial', '0002_uploads', '0003_installs', '0004_observability', '0005_event_deliveries'],
    current: '0005_event_deliveries',
  });

  const second = startNode(bin, env, ['migrate']);
  t.equal(await second.exited, 0);
  t.match(second.stdout(), /already up to date \(0005_event_deliveries\)/);
});

t.test('annex migrate with a bad DATABASE_URL exits 2 with one line', async (t) => {
  const proc = startNode(bin, { DATABASE_URL: 'mysql://nope' }, ['migrate']);
  t.equal(await proc.exited, 2);
  t.match(
    proc.stderr(),
    /^annex: Invalid configuration \(1 variable\):\n\s+DATABASE_URL: .*\(value hidden\)\n$/,
  );
});

t.test('annex --json reports errors as JSON', async (t) => {
  const proc = startNode(bin, { DATABASE_URL: 'mysql://nope' }, ['--json', 'migrate']);
  t.equal(await proc.exited, 2);
  t.equal(JSON.parse(proc.stdout()).error.code, 'INVALID_CONFIG');
});
