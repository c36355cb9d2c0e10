// The CLI folder of the registry image, made by the very `pnpm deploy` command of Dockerfile.registry
// and run outside the workspace: `annex migrate`, as the chart's migration Job and compose run it.
import { join } from 'node:path';
import { startNode, tempDir } from '@annex/test-support';
import t from 'tap';
import {
  findPnpm,
  migrationsIn,
  productionFolderProblems,
  repoMigrations,
  runDockerfileDeploy,
} from './deploy-support.js';

const skip = findPnpm() ? false : 'pnpm is not on the PATH';
// A production install plus an embedded database start: about 30 s alone, more beside other files.
t.setTimeout(240_000);
const work = tempDir('annex-deploy-cli-');
t.teardown(() => work.remove());

t.test('cli: `annex migrate` from the production folder (the migration Job)', { skip }, async (t) => {
  const dir = join(work.path, 'cli');
  runDockerfileDeploy('Dockerfile.registry', '@annex/cli', dir);
  t.same(productionFolderProblems(dir, 'packages/cli'), [], 'production dependencies only');
  t.same(migrationsIn(dir), repoMigrations(), 'every SQL migration ships with it');

  // The embedded database stands in for PostgreSQL: the same migrator, from the same folder.
  const env = { DATA_DIR: join(work.path, 'cli-data') };
  const migrate = async () => {
    const cli = startNode(join(dir, 'bin/annex.js'), env, ['migrate', '--json'], work.path);
    t.teardown(() => cli.kill('SIGKILL'));
    t.equal(await cli.exited, 0, `exit 0 (stderr: ${cli.stderr().slice(-500)})`);
    return JSON.parse(cli.stdout()) as { applied: string[]; current: string };
  };
  const first = await migrate();
  t.same(
    first.applied,
    repoMigrations().map((f) => f.replace(/\.sql$/, '')),
    'applies every migration',
  );
  const second = await migrate();
  t.same(second.applied, [], 'a second run has nothing to do (the Job runs on every upgrade)');
  t.equal(second.current, first.current);
});
