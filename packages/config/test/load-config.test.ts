import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { ConfigError, loadConfig, loadDatabaseSettings, localSecretPath, parseKeks } from '@annex/config';
import { tempDir } from '@annex/test-support';

const KEY = Buffer.alloc(32, 7).toString('base64');

function fresh(t: Test) {
  const dir = tempDir();
  t.teardown(dir.remove);
  return dir.path;
}

t.test('defaults on the embedded default', async (t) => {
  const dataDir = fresh(t);
  const config = loadConfig('registry', { DATA_DIR: dataDir });
  t.equal(config.port, 8080);
  t.equal(loadConfig('runner', { DATA_DIR: dataDir }).port, 8081);
  t.equal(config.database.kind, 'pglite');
  t.same(config.store, { kind: 'filesystem', dir: join(dataDir, 'bundles'), base: 'sha256/' });
  t.equal(config.env.EXT_MAX_BUNDLE_BYTES, 200 * 1024 * 1024);
  t.equal(config.env.EXT_UI_STRICT, true);
  t.equal(config.runnerBaseUrl, 'http://127.0.0.1:8081');
  t.equal(config.runnerCacheDir, join(dataDir, 'runner-cache'));
  t.ok(config.runnerWorkers >= 1);
  t.same(config.egressCeiling, []);
});

t.test('a bad environment fails with one message naming every bad variable', async (t) => {
  const dataDir = fresh(t);
  const err = t.throws(() =>
    loadConfig('registry', { DATA_DIR: dataDir, PORT: 'abc', STORAGE_S3_FORCE_PATH_STYLE: 'maybe' }),
  ) as ConfigError;
  t.type(err, ConfigError);
  t.match(err.message, /Invalid configuration \(2 variables\)/);
  t.match(err.message, /PORT: must be an integer from 0 to 65535 \(got "abc"\)/);
  t.match(err.message, /STORAGE_S3_FORCE_PATH_STYLE: must be true or false \(got "maybe"\)/);
  t.same(err.problems.map((p) => p.variable).sort(), ['PORT', 'STORAGE_S3_FORCE_PATH_STYLE']);
});

t.test('secret values never appear in errors', async (t) => {
  const err = t.throws(() =>
    loadConfig('registry', {
      DATA_DIR: fresh(t),
      DATABASE_URL: 'mysql://user:hunter2@db/x',
      RUNNER_TOKEN: 'short-hunter2',
      SECRETS_KEK: 'hunter2hunter2',
    }),
  ) as ConfigError;
  t.notMatch(err.message, /hunter2/);
  t.match(err.message, /DATABASE_URL: .*\(value hidden\)/);
  t.match(err.message, /RUNNER_TOKEN: .*\(value hidden\)/);
  t.match(err.message, /SECRETS_KEK: .*\(value hidden\)/);
});

t.test('empty strings count as unset', async (t) => {
  const config = loadConfig('registry', { DATA_DIR: fresh(t), PORT: '', STORAGE_S3_BUCKET: '  ' });
  t.equal(config.port, 8080);
  t.equal(config.store.kind, 'filesystem');
});

t.test('PORT overrides the service port; HOST and LOG_LEVEL are read', async (t) => {
  const config = loadConfig('runner', {
    DATA_DIR: fresh(t),
    PORT: '9000',
    RUNNER_PORT: '9100',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  });
  t.equal(config.port, 9000);
  t.equal(config.host, '127.0.0.1');
  t.equal(config.logLevel, 'warn');
});

t.test('cross-variable rules', async (t) => {
  const dataDir = fresh(t);
  const err = t.throws(() =>
    loadConfig('runner', {
      DATA_DIR: dataDir,
      EXT_DEFAULT_TIMEOUT_MS: '60000',
      EXT_MAX_TIMEOUT_MS: '1000',
      EXT_DEFAULT_MEMORY_MB: '1024',
      EXT_MAX_MEMORY_MB: '64',
      STORAGE_S3_ACCESS_KEY: 'AKIA',
      STORAGE_S3_ENDPOINT: 'http://127.0.0.1:9000',
      EXT_EGRESS_ALLOWLIST: 'api.example.com, ftp://nope',
    }),
  ) as ConfigError;
  t.same(err.problems.map((p) => p.variable).sort(), [
    'EXT_DEFAULT_MEMORY_MB',
    'EXT_DEFAULT_TIMEOUT_MS',
    'EXT_EGRESS_ALLOWLIST',
    'STORAGE_S3_BUCKET',
    'STORAGE_S3_SECRET_KEY',
  ]);
});

t.test('S3 settings', async (t) => {
  const config = loadConfig('registry', {
    DATA_DIR: fresh(t),
    STORAGE_S3_BUCKET: 'annex-bundles',
    STORAGE_S3_ENDPOINT: 'http://127.0.0.1:9000',
    STORAGE_S3_ACCESS_KEY: 'ak',
    STORAGE_S3_SECRET_KEY: 'sk',
    STORAGE_S3_FORCE_PATH_STYLE: 'true',
    BUNDLE_STORE_BASE: 'bundles/sha256/',
  });
  t.same(config.store, {
    kind: 's3',
    bucket: 'annex-bundles',
    region: 'us-east-1',
    forcePathStyle: true,
    base: 'bundles/sha256/',
    endpoint: 'http://127.0.0.1:9000',
    accessKeyId: 'ak',
    secretAccessKey: 'sk',
  });
});

t.test('with DATABASE_URL the shared secrets must be given', async (t) => {
  const dataDir = fresh(t);
  const err = t.throws(() =>
    loadConfig('registry', { DATA_DIR: dataDir, DATABASE_URL: 'postgres://u@127.0.0.1/db' }),
  ) as ConfigError;
  t.same(err.problems.map((p) => p.variable).sort(), ['RUNNER_TOKEN', 'SECRETS_KEK']);
  const config = loadConfig('registry', {
    DATA_DIR: dataDir,
    DATABASE_URL: 'postgres://u@127.0.0.1/db',
    RUNNER_TOKEN: 'a-long-enough-runner-token',
    SECRETS_KEK: `main:${KEY}`,
  });
  t.same(config.database, { kind: 'postgres', url: 'postgres://u@127.0.0.1/db' });
  t.equal(config.keks[0]!.id, 'main');
});

t.test('local secrets are generated once, kept private, and reused', async (t) => {
  const dataDir = fresh(t);
  const first = loadConfig('registry', { DATA_DIR: dataDir });
  const second = loadConfig('runner', { DATA_DIR: dataDir });
  t.equal(second.runnerToken, first.runnerToken, 'runner token shared through DATA_DIR');
  t.equal(second.keks[0]!.id, first.keks[0]!.id);
  t.match(first.adminToken, /^annex_admin_[A-Za-z0-9_-]{32}$/);
  t.equal(loadConfig('registry', { DATA_DIR: dataDir }).adminToken, first.adminToken);
  for (const name of ['admin-token', 'runner-token', 'secrets-kek'] as const) {
    t.equal(statSync(localSecretPath(dataDir, name)).mode & 0o777, 0o600, `${name} is 0600`);
  }
  const given = loadConfig('registry', {
    DATA_DIR: dataDir,
    REGISTRY_ADMIN_TOKEN: 'operator-chosen-token-123',
  });
  t.equal(given.adminToken, 'operator-chosen-token-123');
});

t.test('a bad environment writes nothing to DATA_DIR', async (t) => {
  const dataDir = join(fresh(t), 'nested');
  t.throws(() => loadConfig('registry', { DATA_DIR: dataDir, PORT: 'x' }));
  t.throws(() => statSync(dataDir));
});

t.test('trust bundle from inline PEM or a file', async (t) => {
  const dir = fresh(t);
  const pem = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n';
  t.equal(loadConfig('registry', { DATA_DIR: dir, SIGNING_TRUST_BUNDLE: pem }).trustBundlePem, pem.trim());
  const file = join(dir, 'trust.pem');
  writeFileSync(file, pem);
  t.equal(loadConfig('registry', { DATA_DIR: dir, SIGNING_TRUST_BUNDLE: file }).trustBundlePem, pem);
  const err = t.throws(() =>
    loadConfig('registry', { DATA_DIR: dir, SIGNING_TRUST_BUNDLE: join(dir, 'missing.pem') }),
  ) as ConfigError;
  t.match(err.message, /SIGNING_TRUST_BUNDLE: is neither inline PEM nor a readable file/);
});

t.test('SECRETS_KEK lists keys with optional ids', async (t) => {
  const other = Buffer.alloc(32, 9).toString('base64');
  const keks = parseKeks(`new:${other}, ${KEY}`);
  t.equal(keks.length, 2);
  t.equal(keks[0]!.id, 'new');
  t.match(keks[1]!.id, /^k[0-9a-f]{16}$/);
  t.throws(() => parseKeks('a:' + KEY + ',a:' + other), /unique/);
  t.throws(() => parseKeks(Buffer.alloc(16).toString('base64')), /32 bytes/);
});

t.test('loadDatabaseSettings reads only the database variables', async (t) => {
  const dir = fresh(t);
  t.same(loadDatabaseSettings({ DATA_DIR: dir, PORT: 'not checked here' }), {
    kind: 'pglite',
    dataDir: join(dir, 'pgdata'),
  });
  t.throws(() => loadDatabaseSettings({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
});
