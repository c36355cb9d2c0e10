import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { startNode, tempDir } from '@annex/test-support';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const env = (dataDir: string) => ({
  DATA_DIR: dataDir,
  REGISTRY_PORT: '0',
  RUNNER_PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
});

t.test('pnpm start: both services on the embedded default, with a saved admin token', async (t) => {
  const dir = tempDir();
  t.teardown(dir.remove);
  const dataDir = join(dir.path, 'fresh', '.annex'); // does not exist yet
  const proc = startNode(main, env(dataDir));
  t.teardown(() => proc.kill('SIGKILL'));
  const [, registryUrl] = await proc.waitForOutput(/registry\s+(http:\/\/\S+)/, 60_000);
  const [, runnerUrl] = await proc.waitForOutput(/runner\s+(http:\/\/\S+)/);
  const [, token] = await proc.waitForOutput(/admin token\s+(\S+)/);

  for (const url of [registryUrl!, runnerUrl!]) {
    const res = await fetch(`${url}/readyz`);
    t.equal(res.status, 200, `${url}/readyz`);
    t.same(await res.json(), { status: 'ready', checks: { database: 'ok', store: 'ok' } });
  }
  t.equal(readFileSync(join(dataDir, 'secrets', 'admin-token'), 'utf8').trim(), token);
  t.ok(existsSync(join(dataDir, 'pgdata')), 'embedded database created in the data dir');
  t.match(proc.stdout(), /Next:/);

  // The admin token works for operator routes; the registry and runner agree on shared settings.
  const fingerprint = async (url: string, bearer: string) =>
    (await (
      await fetch(`${url}/v1/config/fingerprint`, { headers: { authorization: `Bearer ${bearer}` } })
    ).json()) as { fingerprint: string };
  const runnerToken = readFileSync(join(dataDir, 'secrets', 'runner-token'), 'utf8').trim();
  const [r, n] = await Promise.all([fingerprint(registryUrl!, token!), fingerprint(runnerUrl!, runnerToken)]);
  t.equal(r.fingerprint, n.fingerprint);

  // A second platform on the same data dir is refused with a clear message.
  const second = startNode(main, env(dataDir));
  t.equal(await second.exited, 1);
  t.match(second.stderr(), /annex: the embedded database in .* is in use by process \d+/);

  proc.kill('SIGTERM');
  t.equal(await proc.exited, 0);

  // Restarting keeps the token and the data.
  const again = startNode(main, env(dataDir));
  t.teardown(() => again.kill('SIGKILL'));
  const [, token2] = await again.waitForOutput(/admin token\s+(\S+)/, 60_000);
  t.equal(token2, token);
  again.kill('SIGTERM');
  t.equal(await again.exited, 0);
});
