// The registry image's production folder, made by the very `pnpm deploy` command of
// Dockerfile.registry and run outside the workspace (no Docker here): it starts on its own
// dependencies, answers its probes and stops cleanly on SIGTERM.
import { join } from 'node:path';
import { startNode, tempDir } from '@annex/test-support';
import t from 'tap';
import {
  findPnpm,
  listeningPort,
  migrationsIn,
  productionFolderProblems,
  repoMigrations,
  runDockerfileDeploy,
} from './deploy-support.js';

const skip = findPnpm() ? false : 'pnpm is not on the PATH';
// A production install plus an embedded database start: about 30 s alone, more beside other files.
t.setTimeout(240_000);
const work = tempDir('annex-deploy-registry-');
t.teardown(() => work.remove());

t.test(
  'registry: the production folder of Dockerfile.registry runs outside the workspace',
  { skip },
  async (t) => {
    const dir = join(work.path, 'registry');
    runDockerfileDeploy('Dockerfile.registry', '@annex/registry', dir);
    t.same(productionFolderProblems(dir, 'services/registry'), [], 'production dependencies only');
    t.same(migrationsIn(dir), repoMigrations(), 'every SQL migration ships with it');

    const service = startNode(
      join(dir, 'dist/main.js'),
      { DATA_DIR: join(work.path, 'registry-data'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      [],
      dir,
    );
    t.teardown(() => service.kill('SIGKILL'));
    const port = await listeningPort(service);
    t.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200, '/healthz');
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    t.equal(ready.status, 200, `/readyz: ${await ready.text()}`);
    service.kill('SIGTERM');
    t.equal(await service.exited, 0, 'SIGTERM: a clean exit');
    t.match(service.stdout(), /shut down cleanly/);
  },
);
