// deploy/compose.yaml: the services, one block of shared settings for both Annex services, and an
// environment each service accepts (checked with packages/config's own loader, interpolated as
// Docker Compose would with no .env file).
import { readFileSync } from 'node:fs';
import { compareFingerprints, configFingerprint, loadConfig, VARIABLES, VARIABLE_NAMES } from '@annex/config';
import { tempDir } from '@annex/test-support';
import t from 'tap';
import { REPO, arr, loadYaml, obj, type Obj } from './deploy-support.js';

type Service = 'registry' | 'runner';
const text = readFileSync(`${REPO}deploy/compose.yaml`, 'utf8');
// Compose resolves `<<` merge keys (YAML 1.1), which the x-shared-settings block relies on.
const compose = obj(loadYaml().parse(text, { merge: true }));
const services = obj(compose.services);
const work = tempDir('annex-compose-');
t.teardown(() => work.remove());

const spec = (name: string) =>
  VARIABLES[name as keyof typeof VARIABLES] as {
    services: readonly string[];
    shared?: boolean;
    secret?: boolean;
  };

/** `${VAR:-default}` / `${VAR}` as Compose interpolates them when VAR is unset; `$$` is a literal `$`. */
function interpolate(value: string): string {
  return value
    .replace(
      /\$\{([A-Z0-9_]+)(:?-([^}]*))?\}/g,
      (_m, _name: string, _d?: string, fallback?: string) => fallback ?? '',
    )
    .replaceAll('$$', '$');
}

const environment = (service: string): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(obj(services[service]).environment)).map(([k, v]) => [k, String(v)]));

t.test('the services of a trial installation', async (t) => {
  t.same(
    Object.keys(services).sort(),
    ['migrate', 'minio', 'minio-init', 'postgres', 'registry', 'runner'],
    'PostgreSQL, MinIO and its bucket, migrations, registry, runner',
  );
  for (const name of ['postgres', 'minio', 'minio-init']) {
    const image = String(obj(services[name]).image);
    t.match(image, /:(\d+\.\d+[^:]*|RELEASE\.[0-9TZ-]+)$/, `${name}: a pinned image (${image})`);
  }
  for (const [service, dockerfile, port] of [
    ['registry', 'Dockerfile.registry', 8080],
    ['runner', 'Dockerfile.runner', 8081],
  ] as const) {
    const s = obj(services[service]);
    t.same(s.build, { context: '..', dockerfile }, `${service}: built from ${dockerfile}`);
    t.equal(environment(service).PORT, String(port));
    t.same(s.ports, [`${port}:${port}`]);
    t.equal(s.read_only, true, `${service}: read-only root filesystem, as on Kubernetes`);
    t.same(s.tmpfs, ['/tmp']);
    t.same(s.cap_drop, ['ALL']);
    t.match(String(s.stop_grace_period), /^(\d+)s$/);
    t.ok(
      Number.parseInt(String(s.stop_grace_period), 10) > 25,
      `${service}: stop grace period > 25 s shutdown`,
    );
    t.match(
      arr(obj(s.healthcheck).test).join(' '),
      new RegExp(`127\\.0\\.0\\.1:${port}/readyz`),
      `${service}: healthy = ready`,
    );
    t.match(obj(s.depends_on), {
      migrate: { condition: 'service_completed_successfully' },
      'minio-init': { condition: 'service_completed_successfully' },
    });
    const mounts = arr(s.volumes).map(String);
    t.ok(
      mounts.some((m) => m.endsWith(`:${environment(service).DATA_DIR}`)),
      `${service}: DATA_DIR is a volume`,
    );
    if (service === 'runner') {
      t.ok(
        mounts.some((m) => m.endsWith(`:${environment(service).RUNNER_CACHE_DIR}`)),
        'runner: the cache is a volume',
      );
    }
  }
  const migrate = obj(services.migrate);
  t.same(
    migrate.command,
    ['node', '/opt/annex/cli/bin/annex.js', 'migrate', '--json'],
    'annex migrate, as the chart Job',
  );
  t.equal(environment('migrate').DATABASE_URL, environment('registry').DATABASE_URL, 'the same database');
});

t.test('both services get the same shared settings, and only names they read', async (t) => {
  const env = { registry: environment('registry'), runner: environment('runner') };
  for (const service of ['registry', 'runner'] as Service[]) {
    for (const name of Object.keys(env[service])) {
      t.ok(VARIABLE_NAMES.includes(name as never), `${service}: ${name} is a variable of packages/config`);
      if (VARIABLE_NAMES.includes(name as never)) {
        t.ok(spec(name).services.includes(service), `${service}: reads ${name}`);
      }
    }
  }
  const both = VARIABLE_NAMES.filter((n) => spec(n).services.length === 2 && n !== 'PORT');
  for (const name of both) {
    t.equal(
      env.registry[name],
      env.runner[name],
      `${name}: identical in both (${env.registry[name] === undefined ? 'unset' : 'set'})`,
    );
  }
  for (const name of VARIABLE_NAMES.filter((n) => spec(n).shared)) {
    t.ok(name in env.registry && name in env.runner, `${name} (shared) is given to both`);
  }
  t.match(text, /x-shared-settings: &shared-settings/, 'from one block');
  t.equal(text.match(/<<: \*shared-settings/g)?.length, 2, 'merged into both services');
});

t.test('each service accepts its environment, and their fingerprints agree', async (t) => {
  const configs = (['registry', 'runner'] as Service[]).map((service) => {
    const env = Object.fromEntries(Object.entries(environment(service)).map(([k, v]) => [k, interpolate(v)]));
    env.DATA_DIR = work.path;
    return loadConfig(service, env);
  });
  t.same(compareFingerprints(configFingerprint(configs[0]!), configFingerprint(configs[1]!)), []);
  t.equal(configs[0]!.runnerBaseUrl, 'http://runner:8081', 'the registry reaches the runner service');
  t.match(configs[0]!.store, {
    kind: 's3',
    bucket: 'annex-bundles',
    forcePathStyle: true,
    endpoint: 'http://minio:9000',
  });
  t.match(configs[0]!.database, { kind: 'postgres' });

  // The credentials line up with what PostgreSQL and MinIO are started with.
  const pg = Object.fromEntries(Object.entries(environment('postgres')).map(([k, v]) => [k, interpolate(v)]));
  const url = new URL(interpolate(environment('registry').DATABASE_URL!));
  t.equal(url.hostname, 'postgres');
  t.equal(url.username, pg.POSTGRES_USER);
  t.equal(decodeURIComponent(url.password), pg.POSTGRES_PASSWORD);
  t.equal(url.pathname, `/${pg.POSTGRES_DB}`);
  const minio = Object.fromEntries(Object.entries(environment('minio')).map(([k, v]) => [k, interpolate(v)]));
  const store = configs[0]!.store as Obj;
  t.equal(store.accessKeyId, minio.MINIO_ROOT_USER);
  t.equal(store.secretAccessKey, minio.MINIO_ROOT_PASSWORD);
});

t.test('minio-init creates the bucket and the staging expiry rule', async (t) => {
  const init = obj(services['minio-init']);
  const script = arr(init.command).join(' ');
  const bucket = environment('registry').STORAGE_S3_BUCKET;
  t.match(script, new RegExp(`mc mb --ignore-existing local/${bucket}`), 'the bucket the services use');
  t.match(
    script,
    new RegExp(`mc ilm rule add --prefix staging/ --expire-days \\d+ local/${bucket}`),
    'staging/ expires',
  );
  t.match(obj(init.depends_on), { minio: { condition: 'service_healthy' } });
});
