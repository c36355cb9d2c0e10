// docs/operations.md against the chart, the Dockerfiles and compose: every values key it must explain,
// the numbers it quotes, the base image and the metrics it promises.
import { existsSync, readFileSync } from 'node:fs';
import { VARIABLES, VARIABLE_NAMES } from '@annex/config';
import t from 'tap';
import { CHART_MANAGED, REPO, chartValues, ciValueFiles, obj, parseDockerfile } from './deploy-support.js';

const doc = readFileSync(`${REPO}docs/operations.md`, 'utf8');
const values = chartValues();
const mentions = (key: string) =>
  doc.includes(`\`${key}\``) || doc.includes(`\`${key}.`) || doc.includes(`.${key}\``);

t.test('every key of the chart values is explained', async (t) => {
  for (const key of Object.keys(values)) t.ok(mentions(key), `\`${key}\``);
  // Second-level keys of the chart's own sections (not Kubernetes objects passed through).
  for (const section of [
    'registry',
    'runner',
    'migrations',
    'networkPolicy',
    'ingress',
    'metrics',
    'serviceAccount',
  ]) {
    for (const key of Object.keys(obj(values[section]))) t.ok(mentions(key), `\`${section}.${key}\``);
  }
});

t.test('the settings the chart handles itself and the secret ones are named', async (t) => {
  for (const name of Object.keys(CHART_MANAGED)) t.ok(mentions(name), name);
  for (const name of VARIABLE_NAMES.filter((n) => (VARIABLES[n] as { secret?: boolean }).secret)) {
    t.ok(mentions(name), `${name} (secret)`);
  }
  for (const name of ['SECRETS_KEK', 'SIGNING_TRUST_BUNDLE', 'RUNNER_TOKEN', 'REGISTRY_ADMIN_TOKEN']) {
    t.match(doc, new RegExp(`\\*\\*[^*]*\`${name}\`[^*]*\\*\\*`), `${name}: a rotation procedure`);
  }
  t.match(doc, /annex secrets rotate-kek/, 'the KEK rotation command');
});

t.test('the numbers quoted are the chart defaults', async (t) => {
  const registry = obj(values.registry);
  const runner = obj(values.runner);
  t.match(
    doc,
    new RegExp(`\\(${String(registry.terminationGracePeriodSeconds)} s\\)`),
    'terminationGracePeriodSeconds',
  );
  t.equal(registry.terminationGracePeriodSeconds, runner.terminationGracePeriodSeconds);
  t.match(
    doc,
    new RegExp(`\`preStopSleepSeconds\`, ${String(values.preStopSleepSeconds)} s`),
    'preStopSleepSeconds',
  );
  t.match(doc, /25 s/, "the services' shutdown timeout");
  t.match(
    doc,
    new RegExp(`\\b${String(obj(runner.cache).sizeLimit).replace('Gi', ' GiB')}\\b`),
    'the cache volume size',
  );
  t.match(
    doc,
    new RegExp(`${String(obj(registry.autoscaling).targetCPUUtilizationPercentage)} %`),
    'registry HPA target',
  );
  t.match(
    doc,
    new RegExp(`${String(obj(runner.autoscaling).targetCPUUtilizationPercentage)} %`),
    'runner HPA target',
  );
  t.match(doc, /maxUnavailable: 0/);
  t.match(doc, /maxSurge: 25%/);
});

t.test('the build instructions match the Dockerfiles', async (t) => {
  for (const file of ['Dockerfile.registry', 'Dockerfile.runner']) {
    const { globalArgs } = parseDockerfile(readFileSync(`${REPO}${file}`, 'utf8'));
    t.ok(
      doc.includes(`\`${globalArgs.get('NODE_IMAGE')}\``),
      `${file}: the base image ${globalArgs.get('NODE_IMAGE')}`,
    );
    t.match(doc, new RegExp(`docker build -f ${file.replace('.', '\\.')} `), `${file}: the build command`);
  }
  for (const file of ciValueFiles())
    t.match(doc, new RegExp(file.replace('.', '\\.')), `ci/${file} is described`);
  t.ok(existsSync(`${REPO}deploy/compose.yaml`));
  t.match(doc, /docker compose -f deploy\/compose\.yaml up --build/);
});

t.test('requirements of the store and the database', async (t) => {
  t.match(doc, /If-None-Match: \*/, 'conditional writes');
  t.match(doc, /AbortIncompleteMultipartUpload/);
  t.match(doc, /`staging\/`/);
  t.match(doc, /annex_app/);
  t.match(doc, /annex_system/);
  t.match(doc, /NOLOGIN/);
  t.match(doc, /FORCE/);
});

t.test('the metrics both services serve, with their labels', async (t) => {
  t.match(doc, /annex_http_request_duration_seconds/, 'served today by both services');
  for (const metric of [
    'annex_execute_duration_seconds',
    'annex_execute_total',
    'annex_guest_memory_bytes',
    'annex_egress_bytes_total',
    'annex_timeouts_total',
    'annex_traps_total',
    'annex_bundle_cache_{hits,misses,evictions}_total',
    'annex_bundle_cache_bytes',
    'annex_module_compile_seconds',
    'annex_worker_pool_{busy,size}',
    'annex_upload_total',
    'annex_upload_bytes_total',
    'annex_finalize_total',
    'annex_finalize_duration_seconds',
  ]) {
    t.ok(doc.includes(`\`${metric}\``), metric);
  }
  t.match(doc, /`extension`, `status`/, 'execution metrics are labelled by extension and status');
  t.notMatch(doc, /Metric \(coming\)/, 'no metric is still promised');
});
