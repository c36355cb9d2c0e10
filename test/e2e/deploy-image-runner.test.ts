// The runner image's production folder, made by the very `pnpm deploy` command of Dockerfile.runner
// and run outside the workspace (no Docker here): it loads the transpiler, starts, answers its probes
// and stops on SIGTERM.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startNode, tempDir } from '@annex/test-support';
import t from 'tap';
import {
  REPO,
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
const work = tempDir('annex-deploy-runner-');
t.teardown(() => work.remove());

t.test(
  'runner: the production folder of Dockerfile.runner runs outside the workspace',
  { skip },
  async (t) => {
    const dir = join(work.path, 'runner');
    runDockerfileDeploy('Dockerfile.runner', '@annex/runner', dir);

    t.same(productionFolderProblems(dir, 'services/runner'), [], 'production dependencies only');
    t.same(migrationsIn(dir), repoMigrations(), 'every SQL migration ships with it');
    const manifest = JSON.parse(readFileSync(join(REPO, 'services/runner/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };

    // What transpiling components needs is a production dependency, resolvable from the program.
    const transpilers = Object.keys(manifest.dependencies).filter((d) => d.startsWith('@bytecodealliance/'));
    t.ok(transpilers.length > 0, 'the runner depends on the jco tooling it transpiles with');
    for (const name of transpilers) {
      const loaded = execFileSync(
        process.execPath,
        ['--input-type=module', '-e', `await import(${JSON.stringify(name)}); console.log('ok')`],
        { cwd: dir, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' },
      );
      t.equal(loaded.trim(), 'ok', `${name} loads from the production folder`);
    }

    const service = startNode(
      join(dir, 'dist/main.js'),
      {
        DATA_DIR: join(work.path, 'runner-data'),
        RUNNER_CACHE_DIR: join(work.path, 'runner-cache'),
        RUNNER_WORKERS: '1',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      },
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
