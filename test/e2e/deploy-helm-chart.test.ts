// deploy/helm/annex rendered without helm (test/e2e/deploy-helm-render.ts, a strict renderer of the
// Go-template subset the chart uses) and checked as Kubernetes objects: every variable of
// packages/config reaches the services that read it, the services accept the rendered environment
// and agree on their shared settings, and the Deployments, Job, HPA, PDB, NetworkPolicy and Ingress
// say what docs/operations.md promises.
import { readFileSync } from 'node:fs';
import { compareFingerprints, configFingerprint, loadConfig, VARIABLES, VARIABLE_NAMES } from '@annex/config';
import { tempDir } from '@annex/test-support';
import t from 'tap';
import { ChartRenderer, goFloat } from './deploy-helm-render.js';
import {
  CHART_DIR,
  CHART_MANAGED,
  arr,
  chartValues,
  ciValueFiles,
  mergeValues,
  obj,
  parseYamlDocuments,
  type Obj,
} from './deploy-support.js';

type Service = 'registry' | 'runner';
const SERVICES: Service[] = ['registry', 'runner'];
const renderer = new ChartRenderer(CHART_DIR);
const work = tempDir('annex-chart-');
t.teardown(() => work.remove());

const spec = (name: string) =>
  VARIABLES[name as keyof typeof VARIABLES] as {
    schema: {
      type?: string;
      default?: unknown;
      pattern?: string;
      anyOf?: { const?: string }[];
      minLength?: number;
    };
    services: readonly string[];
    secret?: boolean;
    shared?: boolean;
  };
const CONFIG_NAMES = VARIABLE_NAMES.filter((n) => !(n in CHART_MANAGED));
const reads = (service: Service) => CONFIG_NAMES.filter((n) => spec(n).services.includes(service));

const KEK = 'k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';
const PEM =
  '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n';

/** A valid value for every variable, derived from its schema (a few need meaning, not just shape). */
function sampleValue(name: string): unknown {
  const special: Record<string, unknown> = {
    SECRETS_KEK: KEK,
    SIGNING_TRUST_BUNDLE: PEM,
    EXT_EGRESS_ALLOWLIST: 'api.example.com,*.hooks.example.com',
    STORAGE_S3_BUCKET: 'annex-bundles',
  };
  if (name in special) return special[name];
  const s = spec(name).schema;
  if (s.type === 'integer') return s.default ?? 1;
  if (s.type === 'boolean') return !s.default;
  if (s.anyOf) return s.default ?? s.anyOf[0]!.const;
  if (s.pattern?.startsWith('^postgres')) return 'postgres://annex:secret@db.example.com:5432/annex';
  if (s.pattern?.startsWith('^https?'))
    return `https://${name.toLowerCase().replaceAll('_', '-')}.example.com`;
  if (s.pattern?.startsWith('^rediss?')) return 'rediss://redis.example.com:6379';
  if (typeof s.default === 'string' && s.default !== '') return s.default;
  return `sample-${name.toLowerCase()}-0123456789abcdef`;
}

const fullConfig = Object.fromEntries(CONFIG_NAMES.map((n) => [n, sampleValue(n)]));

interface Rendered {
  objects: Obj[];
  notes: string;
  find(kind: string, name?: string): Obj[];
  one(kind: string, name: string): Obj;
}

function render(values: Record<string, unknown>, release = 'annex'): Rendered {
  const { files, notes } = renderer.render(values, { name: release, namespace: 'annex' });
  const objects: Obj[] = [];
  for (const [file, text] of files) {
    for (const doc of parseYamlDocuments(text, file)) objects.push(obj(doc));
  }
  const find = (kind: string, name?: string) =>
    objects.filter((o) => o.kind === kind && (name === undefined || obj(o.metadata).name === name));
  return {
    objects,
    notes,
    find,
    one: (kind, name) => {
      const found = find(kind, name);
      if (found.length !== 1) throw new Error(`${found.length} ${kind} ${name}`);
      return found[0]!;
    },
  };
}

const podSpec = (deployment: Obj) => obj(obj(obj(deployment.spec).template).spec);
const container = (deployment: Obj) => obj(arr(podSpec(deployment).containers)[0]);
const envList = (deployment: Obj) => arr(container(deployment).env).map(obj);

/** The environment a container starts with: ConfigMap (envFrom) + literal env + Secret keys. */
function containerEnv(
  r: Rendered,
  deployment: Obj,
  secretData: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of arr(container(deployment).envFrom).map(obj)) {
    const cm = r.one('ConfigMap', String(obj(from.configMapRef).name));
    Object.assign(env, obj(cm.data));
  }
  for (const entry of envList(deployment)) {
    const ref = obj(obj(entry.valueFrom).secretKeyRef);
    if (entry.value !== undefined) env[String(entry.name)] = String(entry.value);
    else if (ref.key !== undefined && secretData[String(ref.key)] !== undefined) {
      env[String(entry.name)] = secretData[String(ref.key)]!;
    } else if (ref.key !== undefined && ref.optional !== true) {
      throw new Error(`${String(entry.name)}: required key ${String(ref.key)} missing from the Secret`);
    }
  }
  return env;
}

function decodedSecret(r: Rendered, name: string): Record<string, string> {
  const data = obj(r.one('Secret', name).data);
  return Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString('utf8')]),
  );
}

t.test('the renderer models Helm where the chart depends on it', async (t) => {
  t.equal(goFloat(209715200), '2.097152e+08', 'a float64 of 2e8 prints in exponent form, as in Helm');
  t.equal(goFloat(8080), '8080');
  t.equal(goFloat(1000000), '1e+06');
  t.equal(goFloat(0.5), '0.5');
  t.throws(
    () =>
      render(
        mergeValues(minimal(), {
          registry: { terminationGracePeriodSeconds: 31 },
          preStopSleepSeconds: 10,
        }) as Obj,
      ),
    {
      name: 'TemplateError',
      message: /terminationGracePeriodSeconds \(31\) must exceed preStopSleepSeconds \+ 25/,
    },
    'the chart refuses a grace period shorter than the preStop sleep plus the shutdown timeout',
  );
});

function minimal(): Record<string, unknown> {
  return chartValues('minimal-values.yaml');
}

t.test('every variable reaches exactly the services that read it', async (t) => {
  const values = mergeValues(minimal(), { config: fullConfig }) as Record<string, unknown>;
  const r = render(values);
  const secretNames = CONFIG_NAMES.filter((n) => spec(n).secret);
  const secret = decodedSecret(r, 'annex');
  t.same(Object.keys(secret).sort(), [...secretNames].sort(), 'the Secret holds every secret variable');
  for (const name of secretNames) t.equal(secret[name], String(fullConfig[name]), `${name} in the Secret`);

  for (const service of SERVICES) {
    const deployment = r.one('Deployment', `annex-${service}`);
    const cm = obj(r.one('ConfigMap', `annex-${service}`).data);
    const expected = reads(service);
    t.same(
      Object.keys(cm).sort(),
      expected.filter((n) => !spec(n).secret).sort(),
      `${service}: its ConfigMap holds every non-secret variable it reads, and nothing else`,
    );
    const refs = envList(deployment)
      .filter((e) => e.valueFrom)
      .map((e) => obj(obj(e.valueFrom).secretKeyRef));
    t.same(
      refs.map((ref) => String(ref.key)).sort(),
      expected.filter((n) => spec(n).secret).sort(),
      `${service}: reads every secret variable it uses from the Secret, and no other`,
    );
    t.same([...new Set(refs.map((ref) => ref.name))], ['annex'], `${service}: from the chart's Secret`);
    for (const ref of refs) {
      const required = ['DATABASE_URL', 'RUNNER_TOKEN', 'SECRETS_KEK'].includes(String(ref.key));
      t.equal(
        ref.optional,
        !required,
        `${service}: ${String(ref.key)} is ${required ? 'required' : 'optional'}`,
      );
    }
    for (const [name, managed] of Object.entries(CHART_MANAGED)) {
      const value = managed[service];
      const literal = envList(deployment).find((e) => e.name === name);
      t.equal(literal?.value, value, `${service}: ${name} is set by the chart (${managed.note})`);
      t.notOk(name in cm, `${service}: ${name} is not taken from config`);
    }
    for (const name of expected.filter((n) => !spec(n).secret)) {
      const want = String(fullConfig[name]);
      t.equal(
        cm[name],
        want,
        `${service}: ${name} = ${JSON.stringify(want).slice(0, 60)} (no float formatting)`,
      );
    }
  }
});

t.test('the services accept the rendered environment and agree on shared settings', async (t) => {
  const variants: [string, Record<string, unknown>, Record<string, string>][] = [
    ['every variable set', mergeValues(minimal(), { config: fullConfig }) as Record<string, unknown>, {}],
    ...ciValueFiles().map((file): [string, Record<string, unknown>, Record<string, string>] => [
      `ci/${file}`,
      chartValues(file),
      // What an existingSecret holds in that example.
      {
        DATABASE_URL: 'postgres://annex:secret@postgresql.databases.svc:5432/annex',
        RUNNER_TOKEN: 'existing-secret-runner-token-0123',
        SECRETS_KEK: KEK,
        STORAGE_S3_ACCESS_KEY: 'annex',
        STORAGE_S3_SECRET_KEY: 'existing-secret-minio-key',
      },
    ]),
  ];
  for (const [what, values, existing] of variants) {
    const r = render(values);
    const secretName = String(values.existingSecret || 'annex');
    const secretData = values.existingSecret ? existing : decodedSecret(r, secretName);
    const configs = SERVICES.map((service) => {
      const env = containerEnv(r, r.one('Deployment', `annex-${service}`), secretData);
      // DATA_DIR is a volume in the pod; here a temp folder (the registry may write a token there).
      env.DATA_DIR = work.path;
      try {
        return loadConfig(service, env);
      } catch (err) {
        t.fail(`${what}: the ${service} refuses its environment: ${(err as Error).message}`);
        return undefined;
      }
    });
    if (!configs[0] || !configs[1]) continue;
    t.pass(`${what}: both services accept their environment`);
    t.same(
      compareFingerprints(configFingerprint(configs[0]), configFingerprint(configs[1])),
      [],
      `${what}: registry and runner have the same shared settings (fingerprint)`,
    );
    t.equal(configs[0].store.kind, 's3', `${what}: the S3 store`);
    t.equal(configs[0].database.kind, 'postgres', `${what}: PostgreSQL`);
    t.equal(
      configs[0].runnerBaseUrl,
      String(obj(values.config).RUNNER_BASE_URL || 'http://annex-runner:8081'),
      `${what}: the registry reaches this release's runner (or the one configured)`,
    );
    t.equal(configs[1].port, 8081);
    t.equal(configs[0].port, 8080);
  }
});

t.test('the template sources name every variable for the service that reads it', async (t) => {
  const source = (file: string) => readFileSync(`${CHART_DIR}templates/${file}`, 'utf8');
  for (const service of SERVICES) {
    const cm = source(`configmap-${service}.yaml`);
    const deployment = source(`deployment-${service}.yaml`);
    for (const name of reads(service)) {
      const where = spec(name).secret ? deployment : cm;
      t.ok(
        where.includes(`"${name}"`),
        `${service}: ${name} in ${spec(name).secret ? 'the Deployment' : 'the ConfigMap'} template`,
      );
    }
  }
  for (const name of CONFIG_NAMES.filter((n) => spec(n).secret)) {
    t.ok(source('secret.yaml').includes(`"${name}"`), `${name} in secret.yaml`);
  }
});

for (const file of ciValueFiles()) {
  t.test(`ci/${file}: the rendered objects`, async (t) => {
    const values = chartValues(file);
    const r = render(values);
    const names = r.objects.map((o) => `${String(o.kind)}/${String(obj(o.metadata).name)}`);
    t.equal(new Set(names).size, names.length, 'no two objects share kind and name');
    for (const o of r.objects) {
      t.ok(o.apiVersion && o.kind, `${String(o.kind)}: apiVersion and kind`);
      t.ok(String(obj(o.metadata).name).length <= 63, `${String(obj(o.metadata).name)}: a DNS label`);
    }

    for (const service of SERVICES) {
      const v = obj(values[service]);
      const deployment = r.one('Deployment', `annex-${service}`);
      const pod = podSpec(deployment);
      const c = container(deployment);
      const port = service === 'registry' ? 8080 : 8081;
      const podLabels = obj(obj(obj(obj(deployment.spec).template).metadata).labels);

      t.same(
        arr(c.ports).map(obj),
        [{ name: 'http', containerPort: port, protocol: 'TCP' }],
        `${service}: port`,
      );
      for (const [probe, path] of [
        ['startupProbe', '/healthz'],
        ['livenessProbe', '/healthz'],
        ['readinessProbe', '/readyz'],
      ] as const) {
        t.same(obj(c[probe]).httpGet, { path, port: 'http' }, `${service}: ${probe} on ${path}`);
      }
      t.match(pod.securityContext, {
        runAsNonRoot: true,
        runAsUser: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      t.match(c.securityContext, {
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      t.equal(pod.automountServiceAccountToken, false, `${service}: no API token`);
      t.ok(
        obj(obj(c.resources).requests).cpu && obj(obj(c.resources).requests).memory,
        `${service}: requests`,
      );
      t.ok(obj(obj(c.resources).limits).memory, `${service}: a memory limit`);
      const sleep = Number(arr(obj(obj(obj(c.lifecycle).preStop).exec).command)[1]);
      t.ok(sleep > 0, `${service}: preStop sleep`);
      t.ok(
        Number(pod.terminationGracePeriodSeconds) > sleep + 25,
        `${service}: grace period > preStop + 25 s shutdown`,
      );
      t.match(obj(deployment.spec).strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } });
      const mounts = Object.fromEntries(
        arr(c.volumeMounts)
          .map(obj)
          .map((m) => [m.mountPath, m.name]),
      );
      const volumes = Object.fromEntries(
        arr(pod.volumes)
          .map(obj)
          .map((vol) => [vol.name, vol]),
      );
      for (const [name, managed] of Object.entries(CHART_MANAGED)) {
        const value = managed[service];
        if (!value?.startsWith('/')) continue;
        t.ok(mounts[value], `${service}: ${name} (${value}) is a mounted volume`);
        t.ok(obj(volumes[String(mounts[value])]).emptyDir, `${service}: ${value} is an emptyDir`);
      }
      t.ok(mounts['/tmp'], `${service}: /tmp is writable`);

      const autoscaling = obj(v.autoscaling);
      const hpa = r.find('HorizontalPodAutoscaler', `annex-${service}`);
      if (autoscaling.enabled) {
        t.equal(hpa.length, 1, `${service}: an HPA`);
        t.equal(obj(deployment.spec).replicas, undefined, `${service}: replicas left to the HPA`);
        t.match(hpa[0], {
          apiVersion: 'autoscaling/v2',
          spec: { scaleTargetRef: { kind: 'Deployment', name: `annex-${service}` } },
        });
      } else {
        t.equal(hpa.length, 0, `${service}: no HPA`);
        t.equal(obj(deployment.spec).replicas, v.replicaCount, `${service}: fixed replicas`);
      }
      const pdb = r.one('PodDisruptionBudget', `annex-${service}`);
      t.match(pdb, { apiVersion: 'policy/v1', spec: { maxUnavailable: 1, selector: { matchLabels: {} } } });
      t.match(podLabels, obj(obj(pdb.spec).selector).matchLabels, `${service}: the PDB selects its pods`);
      const svc = r.one('Service', `annex-${service}`);
      t.match(podLabels, obj(svc.spec).selector, `${service}: the Service selects its pods`);
      t.match(arr(obj(svc.spec).ports)[0], { name: 'http', targetPort: 'http' });
      t.match(
        podLabels,
        obj(obj(deployment.spec).selector).matchLabels,
        `${service}: the Deployment selects its pods`,
      );
    }

    // The migration Job: a pre-install/pre-upgrade hook running `annex migrate` from the registry image.
    const job = r.one('Job', 'annex-migrate');
    const jobAnnotations = obj(obj(job.metadata).annotations);
    t.equal(jobAnnotations['helm.sh/hook'], 'pre-install,pre-upgrade');
    const jobPod = obj(obj(obj(job.spec).template).spec);
    const jobContainer = obj(arr(jobPod.containers)[0]);
    t.same(jobContainer.command, ['node', '/opt/annex/cli/bin/annex.js', 'migrate', '--json']);
    t.equal(jobContainer.image, container(r.one('Deployment', 'annex-registry')).image, 'the registry image');
    t.equal(jobPod.serviceAccountName, undefined, 'no ServiceAccount (hooks run before it exists)');
    t.equal(jobPod.restartPolicy, 'Never');
    const dbRef = obj(
      obj(
        arr(jobContainer.env)
          .map(obj)
          .find((e) => e.name === 'DATABASE_URL')?.valueFrom,
      ).secretKeyRef,
    );
    if (values.existingSecret) {
      t.equal(dbRef.name, values.existingSecret, 'DATABASE_URL from the existing Secret');
      t.equal(r.find('Secret').length, 0, 'no Secret created');
    } else {
      const hookSecret = r.one('Secret', String(dbRef.name));
      const hookAnnotations = obj(obj(hookSecret.metadata).annotations);
      t.equal(hookAnnotations['helm.sh/hook'], 'pre-install,pre-upgrade', 'DATABASE_URL from a hook Secret');
      t.ok(
        Number(hookAnnotations['helm.sh/hook-weight']) < Number(jobAnnotations['helm.sh/hook-weight']),
        'created before the Job',
      );
      t.same(Object.keys(obj(hookSecret.data)), ['DATABASE_URL'], 'and nothing else');
    }

    // NetworkPolicy: the runner talks to the registry, its dependencies and runnerEgress only.
    const np = obj(values.networkPolicy);
    const registryPolicy = r.one('NetworkPolicy', 'annex-registry');
    const runnerPolicy = r.one('NetworkPolicy', 'annex-runner');
    const runnerLabels = obj(obj(obj(r.one('Deployment', 'annex-runner').spec).template).metadata).labels;
    const registryLabels = obj(obj(obj(r.one('Deployment', 'annex-registry').spec).template).metadata).labels;
    t.match(runnerLabels, obj(obj(runnerPolicy.spec).podSelector).matchLabels);
    t.match(registryLabels, obj(obj(registryPolicy.spec).podSelector).matchLabels);
    const runnerIngress = arr(obj(runnerPolicy.spec).ingress).map(obj);
    for (const rule of runnerIngress)
      t.ok(arr(rule.from).length > 0, 'runner ingress: always from named peers');
    t.ok(
      arr(runnerIngress[0]!.from).some(
        (p) =>
          obj(p).podSelector &&
          Object.entries(obj(obj(obj(p).podSelector).matchLabels)).every(
            ([k, val]) => obj(registryLabels)[k] === val,
          ),
      ),
      'runner ingress: from the registry pods',
    );
    const runnerEgress = arr(obj(runnerPolicy.spec).egress).map(obj);
    for (const rule of runnerEgress)
      t.ok(arr(rule.to).length > 0 && arr(rule.ports).length > 0, 'runner egress: never to anywhere');
    const cidrs = runnerEgress
      .flatMap((rule) => arr(rule.to).map((p) => obj(obj(p).ipBlock).cidr))
      .filter(Boolean);
    const expected = [...arr(obj(np.database).to), ...arr(obj(np.objectStore).to), ...arr(obj(np.redis).to)]
      .map((p) => obj(obj(p).ipBlock).cidr)
      .filter(Boolean);
    t.same(
      cidrs.sort(),
      [...expected, ...arr(np.runnerEgress).map((e) => obj(e).cidr)].map(String).sort(),
      'runner egress CIDRs: database, store, redis and runnerEgress only',
    );
    const ports = runnerEgress.flatMap((rule) => arr(rule.ports).map((p) => obj(p).port));
    t.ok(ports.includes(53), 'runner egress: DNS');
    t.ok(
      arr(obj(registryPolicy.spec).egress)
        .map(obj)
        .some((rule) =>
          arr(rule.to).some(
            (p) =>
              obj(obj(p).podSelector).matchLabels &&
              obj(obj(obj(p).podSelector).matchLabels)['app.kubernetes.io/component'] === 'runner',
          ),
        ),
      'registry egress: to the runner',
    );

    const ingress = obj(values.ingress);
    if (ingress.enabled) {
      const rules = arr(obj(r.one('Ingress', 'annex').spec).rules).map(obj);
      const paths = (host: unknown) =>
        arr(obj(rules.find((rule) => rule.host === host)?.http).paths).map((p) => [
          obj(p).path,
          obj(obj(obj(p).backend).service).name,
        ]);
      t.same(
        paths(obj(ingress.registry).host),
        [['/', 'annex-registry']],
        'the registry host serves everything',
      );
      t.same(
        paths(obj(ingress.runner).host),
        [['/ext-ui', 'annex-runner']],
        'the runner host serves /ext-ui only',
      );
    } else {
      t.equal(r.find('Ingress').length, 0, 'no Ingress');
    }
    const monitors = r.find('ServiceMonitor');
    if (obj(obj(values.metrics).serviceMonitor).enabled) {
      t.equal(monitors.length, 1);
      t.match(arr(obj(monitors[0]!.spec).endpoints)[0], { port: 'http', path: '/metrics' });
    } else t.equal(monitors.length, 0, 'no ServiceMonitor');
    t.match(r.notes, /annex config check/);
  });
}

t.test('switches: existingSecret, migrations, network policies, release names', async (t) => {
  const base = minimal();
  const off = render(
    mergeValues(base, { migrations: { enabled: false }, networkPolicy: { enabled: false } }) as Obj,
  );
  t.equal(off.find('Job').length, 0, 'migrations off: no Job');
  t.same(
    off.find('Secret').map((s) => obj(s.metadata).name),
    ['annex'],
    'migrations off: no hook Secret',
  );
  t.equal(off.find('NetworkPolicy').length, 0, 'network policies off');

  const named = render(base, 'annex');
  t.equal(
    obj(named.find('Deployment')[0]!.metadata).name,
    'annex-registry',
    'a release named after the chart is not repeated',
  );
  const other = render(base, 'prod');
  t.ok(other.find('Deployment', 'prod-annex-runner').length === 1, '<release>-annex-<component>');
  const long = render(base, 'a-very-long-release-name-for-a-platform-team-that-likes-words');
  for (const o of long.objects)
    t.ok(String(obj(o.metadata).name).length <= 63, `${String(obj(o.metadata).name)} fits`);
  const override = render(mergeValues(base, { fullnameOverride: 'ext' }) as Obj);
  t.ok(override.find('Service', 'ext-runner').length === 1, 'fullnameOverride');

  const pinned = render(
    mergeValues(base, { runner: { image: { digest: `sha256:${'a'.repeat(64)}` } } }) as Obj,
  );
  t.equal(
    container(pinned.one('Deployment', 'annex-runner')).image,
    `annex-runner@sha256:${'a'.repeat(64)}`,
    'a digest wins over the tag',
  );
  t.equal(
    container(pinned.one('Deployment', 'annex-registry')).image,
    'annex-registry:0.1.0',
    'the tag defaults to the appVersion',
  );

  const changed = render(mergeValues(base, { config: { LOG_LEVEL: 'debug' } }) as Obj);
  const checksum = (r: Rendered, service: string) =>
    obj(obj(obj(obj(r.one('Deployment', `annex-${service}`).spec).template).metadata).annotations)[
      'checksum/config'
    ];
  t.not(checksum(changed, 'registry'), checksum(named, 'registry'), 'a config change rolls the registry');
  t.not(checksum(changed, 'runner'), checksum(named, 'runner'), 'and the runner');
});
