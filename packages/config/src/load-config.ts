import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import Value from 'typebox/value';
import { ConfigError } from './config-error.js';
import type { Config, EnvValues } from './config.js';
import { describeSchema } from './describe-schema.js';
import { parseEgressList } from './egress-list.js';
import { readOrCreateLocalSecret } from './local-secrets.js';
import { parseKeks } from './secrets-kek.js';
import { VARIABLES, VARIABLE_NAMES, type VariableName } from './variables.js';

export interface LoadConfigOptions {
  /**
   * Generate RUNNER_TOKEN and SECRETS_KEK into DATA_DIR when unset. On by default without
   * DATABASE_URL (the embedded default); a service on PostgreSQL must be given both, because its
   * peers run elsewhere and could not share a generated value.
   */
  generateLocalSecrets?: boolean;
}

type Problem = { variable: string; message: string };

function shown(name: VariableName, raw: string | undefined): string {
  if (raw === undefined) return '';
  const spec = VARIABLES[name] as { secret?: boolean };
  return spec.secret
    ? ' (value hidden)'
    : ` (got ${JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw)})`;
}

/** Reads the variables of SPEC section 7 from `env`; '' counts as unset (Kubernetes and compose write it). */
function readEnv(
  env: NodeJS.ProcessEnv,
  problems: Problem[],
  names: readonly VariableName[] = VARIABLE_NAMES,
): EnvValues {
  const raw: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') raw[name] = value.trim();
  }
  // Each variable is checked against its own schema: one bad value never hides another.
  const values: Record<string, unknown> = {};
  for (const name of names) {
    const schema = VARIABLES[name].schema;
    const value =
      raw[name] === undefined ? Value.Default(schema, undefined) : Value.Convert(schema, raw[name]);
    if (value === undefined) continue;
    if (!Value.Check(schema, value)) {
      problems.push({
        variable: name,
        message: `must be ${describeSchema(schema)}${shown(name, raw[name])}`,
      });
      continue;
    }
    values[name] = value;
  }
  return values as unknown as EnvValues;
}

function readTrustBundle(value: string, problems: Problem[]): string | undefined {
  if (value.includes('-----BEGIN')) return value.replace(/\\n/g, '\n');
  try {
    const pem = readFileSync(value, 'utf8');
    if (!pem.includes('-----BEGIN')) {
      problems.push({ variable: 'SIGNING_TRUST_BUNDLE', message: `file ${value} holds no PEM block` });
    }
    return pem;
  } catch {
    problems.push({
      variable: 'SIGNING_TRUST_BUNDLE',
      message: `is neither inline PEM nor a readable file (${value})`,
    });
    return undefined;
  }
}

/**
 * Validates the environment for one service and derives its settings. Every problem is collected
 * and thrown as one ConfigError, so a bad deployment is fixed in one pass.
 */
export function loadConfig(
  service: 'registry' | 'runner',
  env: NodeJS.ProcessEnv = process.env,
  options: LoadConfigOptions = {},
): Config {
  const problems: Problem[] = [];
  const values = readEnv(env, problems);
  const dataDir = resolve(values.DATA_DIR ?? './.annex');

  if (values.EXT_DEFAULT_TIMEOUT_MS > values.EXT_MAX_TIMEOUT_MS) {
    problems.push({ variable: 'EXT_DEFAULT_TIMEOUT_MS', message: 'must not exceed EXT_MAX_TIMEOUT_MS' });
  }
  if (values.EXT_DEFAULT_MEMORY_MB > values.EXT_MAX_MEMORY_MB) {
    problems.push({ variable: 'EXT_DEFAULT_MEMORY_MB', message: 'must not exceed EXT_MAX_MEMORY_MB' });
  }
  if (Boolean(values.STORAGE_S3_ACCESS_KEY) !== Boolean(values.STORAGE_S3_SECRET_KEY)) {
    problems.push({
      variable: values.STORAGE_S3_ACCESS_KEY ? 'STORAGE_S3_SECRET_KEY' : 'STORAGE_S3_ACCESS_KEY',
      message: 'STORAGE_S3_ACCESS_KEY and STORAGE_S3_SECRET_KEY are set together or not at all',
    });
  }
  if (values.STORAGE_S3_ENDPOINT && !values.STORAGE_S3_BUCKET) {
    problems.push({ variable: 'STORAGE_S3_BUCKET', message: 'is required when STORAGE_S3_ENDPOINT is set' });
  }

  let egressCeiling: Config['egressCeiling'] = [];
  try {
    egressCeiling = parseEgressList(values.EXT_EGRESS_ALLOWLIST ?? '');
  } catch (err) {
    problems.push({ variable: 'EXT_EGRESS_ALLOWLIST', message: (err as Error).message });
  }

  const generate = options.generateLocalSecrets ?? !values.DATABASE_URL;
  const needsLocal = (name: 'RUNNER_TOKEN' | 'SECRETS_KEK') => {
    if (values[name] === undefined && !generate && !problems.some((p) => p.variable === name)) {
      problems.push({ variable: name, message: 'is required when DATABASE_URL is set (services run apart)' });
    }
  };
  needsLocal('RUNNER_TOKEN');
  needsLocal('SECRETS_KEK');

  let keks: Config['keks'] = [];
  if (values.SECRETS_KEK !== undefined) {
    try {
      keks = parseKeks(values.SECRETS_KEK);
    } catch (err) {
      problems.push({ variable: 'SECRETS_KEK', message: `${(err as Error).message} (value hidden)` });
    }
  }

  const trustBundlePem =
    values.SIGNING_TRUST_BUNDLE === undefined
      ? undefined
      : readTrustBundle(values.SIGNING_TRUST_BUNDLE, problems);

  if (problems.length > 0) throw new ConfigError(problems);

  // Generated only once the environment is known to be valid, so a typo writes nothing to disk.
  const runnerToken = values.RUNNER_TOKEN ?? readOrCreateLocalSecret(dataDir, 'runner-token');
  if (keks.length === 0) keks = parseKeks(readOrCreateLocalSecret(dataDir, 'secrets-kek'));
  const adminToken =
    service === 'registry'
      ? (values.REGISTRY_ADMIN_TOKEN ?? readOrCreateLocalSecret(dataDir, 'admin-token'))
      : '';

  const runnerBaseUrl = (values.RUNNER_BASE_URL ?? `http://127.0.0.1:${values.RUNNER_PORT}`).replace(
    /\/+$/,
    '',
  );
  const runnerPublicBase = (
    values.RUNNER_PUBLIC_BASE ??
    values.RUNNER_BASE_URL ??
    `http://localhost:${values.RUNNER_PORT}`
  ).replace(/\/+$/, '');

  return {
    service,
    env: values,
    dataDir,
    database: databaseSettings(values, dataDir),
    store: values.STORAGE_S3_BUCKET
      ? {
          kind: 's3',
          bucket: values.STORAGE_S3_BUCKET,
          region: values.STORAGE_S3_REGION,
          forcePathStyle: values.STORAGE_S3_FORCE_PATH_STYLE,
          base: values.BUNDLE_STORE_BASE,
          ...(values.STORAGE_S3_ENDPOINT ? { endpoint: values.STORAGE_S3_ENDPOINT } : {}),
          ...(values.STORAGE_S3_ACCESS_KEY
            ? { accessKeyId: values.STORAGE_S3_ACCESS_KEY, secretAccessKey: values.STORAGE_S3_SECRET_KEY }
            : {}),
        }
      : { kind: 'filesystem', dir: join(dataDir, 'bundles'), base: values.BUNDLE_STORE_BASE },
    port: values.PORT ?? (service === 'registry' ? values.REGISTRY_PORT : values.RUNNER_PORT),
    host: values.HOST,
    logLevel: values.LOG_LEVEL,
    runnerBaseUrl,
    runnerPublicBase,
    runnerToken,
    runnerCacheDir: resolve(values.RUNNER_CACHE_DIR ?? join(dataDir, 'runner-cache')),
    runnerWorkers: values.RUNNER_WORKERS ?? availableParallelism(),
    keks,
    ...(trustBundlePem === undefined ? {} : { trustBundlePem }),
    egressCeiling,
    adminToken,
    quotaDefaults: {
      invocationsPerMinute: values.EXT_QUOTA_INVOCATIONS_PER_MINUTE,
      cpuMsPerMinute: values.EXT_QUOTA_CPU_MS_PER_MINUTE,
      memMbMsPerMinute: values.EXT_QUOTA_MEM_MB_MS_PER_MINUTE,
      egressBytesPerMinute: values.EXT_QUOTA_EGRESS_BYTES_PER_MINUTE,
    },
  };
}

function databaseSettings(values: Pick<EnvValues, 'DATABASE_URL'>, dataDir: string): Config['database'] {
  return values.DATABASE_URL
    ? { kind: 'postgres', url: values.DATABASE_URL }
    : { kind: 'pglite', dataDir: join(dataDir, 'pgdata') };
}

/** Only the database settings (DATABASE_URL, DATA_DIR), for tools such as `annex migrate`. */
export function loadDatabaseSettings(env: NodeJS.ProcessEnv = process.env): Config['database'] {
  const problems: Problem[] = [];
  const values = readEnv(env, problems, ['DATABASE_URL', 'DATA_DIR']);
  if (problems.length > 0) throw new ConfigError(problems);
  return databaseSettings(values, resolve(values.DATA_DIR));
}
