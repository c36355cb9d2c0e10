// deploy/helm/annex/values.yaml, its ci/ override files and values.schema.json, checked against each
// other and against packages/config: a variable added there fails here until the chart has it.
import { readFileSync } from 'node:fs';
import { VARIABLES, VARIABLE_NAMES } from '@annex/config';
import t from 'tap';
import {
  CHART_DIR,
  CHART_MANAGED,
  chartSchema,
  chartValues,
  ciValueFiles,
  compileSchema,
  formatAjvErrors,
  obj,
  type AjvError,
} from './deploy-support.js';

type Json = Record<string, unknown>;

const schema = chartSchema() as Json;
const validate = compileSchema(schema);
const configSchema = obj(obj(schema.properties).config);
const configProperties = obj(configSchema.properties);
const spec = (name: string) =>
  VARIABLES[name as keyof typeof VARIABLES] as unknown as {
    schema: Json;
    services: readonly string[];
    secret?: boolean;
    shared?: boolean;
  };

/** Names the chart takes from `config`: every variable of packages/config but the chart-managed ones. */
const CONFIG_NAMES = VARIABLE_NAMES.filter((n) => !(n in CHART_MANAGED));

/** The validation keywords of a TypeBox schema (what the service itself accepts). */
function validationKeywords(s: Json): Json {
  const { default: _d, description: _desc, ...rest } = s;
  if (Array.isArray(rest.anyOf)) rest.anyOf = (rest.anyOf as Json[]).map(validationKeywords);
  return rest;
}

function errorsOf(values: unknown): AjvError[] {
  return validate(values) ? [] : (validate.errors ?? []);
}

/** Error paths of a validation, without the if/then bookkeeping entries. */
function errorPaths(values: unknown): string[] {
  return [
    ...new Set(
      errorsOf(values)
        .filter((e) => e.keyword !== 'if')
        .map((e) => e.instancePath),
    ),
  ].sort();
}

t.test('every variable of packages/config is either a config key or set by the chart', async (t) => {
  t.same(
    Object.keys(configProperties).sort(),
    [...CONFIG_NAMES].sort(),
    'values.schema.json config.properties: one per variable (add new variables to the chart)',
  );
  t.same(
    Object.keys(obj(chartValues().config)).sort(),
    [...CONFIG_NAMES].sort(),
    'values.yaml config: every variable listed',
  );
  for (const name of Object.keys(CHART_MANAGED)) {
    t.ok(VARIABLE_NAMES.includes(name as never), `${name} (chart-managed) still exists in packages/config`);
  }
  t.equal(configSchema.additionalProperties, false, 'a misspelt variable is refused');
});

t.test('the schema accepts what each service accepts, or empty for unset', async (t) => {
  for (const name of CONFIG_NAMES) {
    const property = obj(configProperties[name]);
    const branches = property.anyOf as Json[] | undefined;
    t.ok(Array.isArray(branches) && branches.length === 2, `${name}: "" or a value`);
    t.same(branches?.[0], { type: 'string', maxLength: 0 }, `${name}: "" means unset`);
    t.same(branches?.[1], validationKeywords(spec(name).schema), `${name}: the rules of packages/config`);
  }
});

t.test('patterns are portable to Helm (Go RE2: no lookaround, no backreferences)', async (t) => {
  const patterns: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'pattern' && typeof x === 'string') patterns.push(x);
        else walk(x);
      }
    }
  };
  walk(schema);
  t.ok(patterns.length > 5);
  for (const p of patterns) {
    t.doesNotThrow(() => new RegExp(p, 'u'), p);
    t.notMatch(p, /\(\?[=!<]|\\[1-9]/, `${p}: RE2 compatible`);
  }
  t.equal(
    schema.$schema,
    'http://json-schema.org/draft-07/schema#',
    'draft-07, which every Helm 3 validates',
  );
});

t.test('values.yaml alone lacks exactly what an operator must provide', async (t) => {
  t.same(
    errorPaths(chartValues()),
    [
      '/config/DATABASE_URL',
      '/config/RUNNER_TOKEN',
      '/config/SECRETS_KEK',
      '/config/STORAGE_S3_BUCKET',
      '/networkPolicy/database/to',
      '/networkPolicy/objectStore/to',
    ].sort(),
    formatAjvErrors(validate.errors).join('\n'),
  );
});

for (const file of ciValueFiles()) {
  t.test(`values.yaml + ci/${file} is valid`, async (t) => {
    const values = chartValues(file);
    t.same(formatAjvErrors(errorsOf(values)), [], 'no schema errors');
  });
}

t.test('the schema refuses misconfigurations', async (t) => {
  const valid = chartValues('minimal-values.yaml');
  const withConfig = (config: Json) => ({ ...valid, config: { ...obj(valid.config), ...config } });
  const cases: [string, unknown, string][] = [
    ['a misspelt variable', withConfig({ RUNNER_TOKN: 'x' }), '/config'],
    ['a short RUNNER_TOKEN', withConfig({ RUNNER_TOKEN: 'short' }), '/config/RUNNER_TOKEN'],
    ['a MySQL DATABASE_URL', withConfig({ DATABASE_URL: 'mysql://db/annex' }), '/config/DATABASE_URL'],
    ['guest memory above 4096 MiB', withConfig({ EXT_MAX_MEMORY_MB: 5000 }), '/config/EXT_MAX_MEMORY_MB'],
    [
      'a multipart threshold under 5 MiB',
      withConfig({ EXT_MULTIPART_THRESHOLD_BYTES: 1024 }),
      '/config/EXT_MULTIPART_THRESHOLD_BYTES',
    ],
    ['an unknown log level', withConfig({ LOG_LEVEL: 'loud' }), '/config/LOG_LEVEL'],
    ['text for a boolean', withConfig({ EXT_UI_STRICT: 'maybe' }), '/config/EXT_UI_STRICT'],
    ['an S3 access key without its secret', withConfig({ STORAGE_S3_SECRET_KEY: '' }), '/config'],
    ['no bucket', withConfig({ STORAGE_S3_BUCKET: '' }), '/config/STORAGE_S3_BUCKET'],
    [
      'an existingSecret next to inline secrets',
      { ...valid, existingSecret: 'mine' },
      '/config/DATABASE_URL',
    ],
    [
      'a grace period under the shutdown timeout',
      { ...valid, registry: { ...obj(valid.registry), terminationGracePeriodSeconds: 20 } },
      '/registry/terminationGracePeriodSeconds',
    ],
    [
      'an image digest that is not sha256',
      { ...valid, runner: { ...obj(valid.runner), image: { repository: 'r', digest: 'latest' } } },
      '/runner/image/digest',
    ],
    [
      'a runner egress entry without ports',
      {
        ...valid,
        networkPolicy: { ...obj(valid.networkPolicy), runnerEgress: [{ cidr: '203.0.113.0/24' }] },
      },
      '/networkPolicy/runnerEgress/0',
    ],
    ['an unknown top-level key', { ...valid, replicas: 3 }, ''],
    [
      'an Ingress without a registry host',
      { ...valid, ingress: { ...obj(valid.ingress), enabled: true } },
      '/ingress/registry/host',
    ],
  ];
  for (const [what, values, path] of cases) {
    const paths = [...new Set(errorsOf(values).map((e) => e.instancePath || '/'))];
    t.ok(
      paths.includes(path || '/'),
      `${what}: refused at ${path || '/'} (got ${paths.join(', ') || 'nothing'})`,
    );
  }
});

t.test('the comments of values.yaml config say what packages/config says', async (t) => {
  // Each key's comment starts with its flags ("secret; shared; required." or "registry.") and may
  // show "default: X"; both must match the variable.
  const required = ['DATABASE_URL', 'RUNNER_TOKEN', 'SECRETS_KEK', 'STORAGE_S3_BUCKET'];
  const lines = readFileSync(`${CHART_DIR}values.yaml`, 'utf8').split('\n');
  let comments: string[] = [];
  const seen: string[] = [];
  for (const line of lines.slice(lines.indexOf('config:') + 1)) {
    if (/^\S/.test(line)) break;
    const comment = /^ {2}#\s?(.*)$/.exec(line);
    if (comment) {
      comments.push(comment[1]!);
      continue;
    }
    const key = /^ {2}([A-Z0-9_]+):/.exec(line)?.[1];
    if (!key) continue;
    seen.push(key);
    const text = comments.join(' ');
    comments = [];
    const s = spec(key);
    const flags = new Set(
      text
        .split(/\. |\.$/)[0]!
        .split(';')
        .map((f) => f.trim()),
    );
    t.equal(flags.has('secret'), Boolean(s.secret), `${key}: "secret" as packages/config says`);
    t.equal(flags.has('shared'), Boolean(s.shared), `${key}: "shared" as packages/config says`);
    t.equal(flags.has('required'), required.includes(key), `${key}: "required" as the schema says`);
    t.equal(
      flags.has('registry'),
      s.services.join() === 'registry',
      `${key}: "registry" only for registry-only`,
    );
    t.equal(flags.has('runner'), s.services.join() === 'runner', `${key}: "runner" only for runner-only`);
    const def = (s.schema as { default?: unknown }).default;
    const shown = /default: (\S+)/.exec(text)?.[1]?.replace(/[,;.)]$/, '');
    if (def !== undefined && !s.secret) {
      t.equal(shown, def === '' ? 'empty' : String(def), `${key}: shows its default ${JSON.stringify(def)}`);
    } else {
      t.equal(shown, undefined, `${key}: shows no default (packages/config has none)`);
    }
  }
  t.same(seen.sort(), [...CONFIG_NAMES].sort(), 'every key was read');
});
