import t from 'tap';
import { compareFingerprints, configFingerprint, loadConfig } from '@annex/config';
import { tempDir } from '@annex/test-support';

const KEY = Buffer.alloc(32, 1).toString('base64');
const base = {
  DATABASE_URL: 'postgres://u@127.0.0.1/db',
  RUNNER_TOKEN: 'shared-runner-token-0001',
  SECRETS_KEK: `k1:${KEY}`,
  STORAGE_S3_BUCKET: 'bundles',
  STORAGE_S3_ENDPOINT: 'http://127.0.0.1:9000',
  EXT_EGRESS_ALLOWLIST: 'api.example.com,*.corp.example',
};

t.test('registry and runner with the same shared settings agree', async (t) => {
  const dir = tempDir();
  t.teardown(dir.remove);
  const registry = configFingerprint(
    loadConfig('registry', { ...base, DATA_DIR: dir.path, LOG_LEVEL: 'debug' }),
  );
  // Different spelling, same meaning; different non-shared settings.
  const runner = configFingerprint(
    loadConfig('runner', {
      ...base,
      DATA_DIR: dir.path,
      EXT_EGRESS_ALLOWLIST: ' *.corp.example , API.example.com',
    }),
  );
  t.equal(registry.service, 'registry');
  t.equal(runner.service, 'runner');
  t.equal(registry.fingerprint, runner.fingerprint);
  t.same(compareFingerprints(registry, runner), []);
  t.match(registry.fingerprint, /^[0-9a-f]{64}$/);
});

t.test('a differing shared setting is named', async (t) => {
  const dir = tempDir();
  t.teardown(dir.remove);
  const a = configFingerprint(loadConfig('registry', { ...base, DATA_DIR: dir.path }));
  const b = configFingerprint(
    loadConfig('runner', {
      ...base,
      DATA_DIR: dir.path,
      RUNNER_TOKEN: 'another-runner-token-02',
      STORAGE_S3_BUCKET: 'other',
    }),
  );
  t.not(a.fingerprint, b.fingerprint);
  t.same(compareFingerprints(a, b), ['STORAGE_S3_BUCKET', 'RUNNER_TOKEN']);
});

t.test('the fingerprint carries no setting value', async (t) => {
  const dir = tempDir();
  t.teardown(dir.remove);
  const text = JSON.stringify(configFingerprint(loadConfig('registry', { ...base, DATA_DIR: dir.path })));
  for (const value of [base.RUNNER_TOKEN, KEY, 'bundles', 'api.example.com'])
    t.notOk(text.includes(value), value);
});
