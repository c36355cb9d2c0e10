import Type, { type TSchema } from 'typebox';

/** Which service reads a variable; the Helm chart and the docs table are built from this. */
export type ServiceName = 'registry' | 'runner';

export interface VariableSpec {
  schema: TSchema;
  description: string;
  services: readonly ServiceName[];
  /** Never echoed in errors, logs or docs examples. */
  secret?: boolean;
  /** Part of the fingerprint both services must agree on. */
  shared?: boolean;
}

const BOTH = ['registry', 'runner'] as const;
const REGISTRY = ['registry'] as const;
const RUNNER = ['runner'] as const;
const MiB = 1024 * 1024;

const bytes = (def: number, description: string, min = 1) =>
  Type.Integer({ minimum: min, default: def, description });
const millis = (def: number, description: string) =>
  Type.Integer({ minimum: 1, maximum: 24 * 3600 * 1000, default: def, description });
const port = (def: number | undefined, description: string) =>
  Type.Integer({ minimum: 0, maximum: 65535, ...(def === undefined ? {} : { default: def }), description });
const url = (description: string) => Type.String({ pattern: '^https?://[^\\s]+$', description });

/**
 * Every environment variable of both services (SPEC section 7 and 10). The order is the
 * order of the generated docs table.
 */
export const VARIABLES = {
  DATABASE_URL: {
    schema: Type.String({ pattern: '^postgres(ql)?://', description: 'PostgreSQL connection URL' }),
    description:
      'PostgreSQL connection URL (`postgres://user:pass@host:5432/db`). Unset: embedded PGlite in `DATA_DIR/pgdata`.',
    services: BOTH,
    secret: true,
  },
  DATA_DIR: {
    schema: Type.String({ minLength: 1, default: './.annex' }),
    description:
      'Directory for the embedded database, the filesystem bundle store, generated local secrets and the runner cache.',
    services: BOTH,
  },
  STORAGE_S3_ENDPOINT: {
    schema: url('S3 endpoint URL'),
    description: 'S3-compatible endpoint (MinIO, R2, …). Unset with a bucket set: AWS S3 for the region.',
    services: BOTH,
    shared: true,
  },
  STORAGE_S3_ACCESS_KEY: {
    schema: Type.String({ minLength: 1 }),
    description: 'S3 access key id. Unset: the AWS SDK default credential chain.',
    services: BOTH,
    secret: true,
  },
  STORAGE_S3_SECRET_KEY: {
    schema: Type.String({ minLength: 1 }),
    description: 'S3 secret access key.',
    services: BOTH,
    secret: true,
  },
  STORAGE_S3_REGION: {
    schema: Type.String({ minLength: 1, default: 'us-east-1' }),
    description: 'Region of the S3 bucket (self-hosted stores accept any).',
    services: BOTH,
  },
  STORAGE_S3_BUCKET: {
    schema: Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' }),
    description: 'S3 bucket for bundles. Unset: the filesystem store under `DATA_DIR/bundles`.',
    services: BOTH,
    shared: true,
  },
  STORAGE_S3_FORCE_PATH_STYLE: {
    schema: Type.Boolean({ default: false }),
    description: 'Path-style S3 URLs (`true` for MinIO and most self-hosted stores).',
    services: BOTH,
  },
  BUNDLE_STORE_BASE: {
    schema: Type.String({ pattern: '^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*/$', default: 'sha256/' }),
    description: 'Key prefix of canonical bundles in the store (ends with `/`).',
    services: BOTH,
    shared: true,
  },
  RUNNER_BASE_URL: {
    schema: url('runner URL'),
    description:
      'Where the registry reaches the runner (`POST /v1/execute`). Default: the runner of the embedded process.',
    services: REGISTRY,
  },
  RUNNER_PUBLIC_BASE: {
    schema: url('public runner URL'),
    description:
      'Public base URL of the runner, used in iframe UI URLs. Default: `RUNNER_BASE_URL` (or the embedded runner).',
    services: BOTH,
  },
  RUNNER_TOKEN: {
    schema: Type.String({ minLength: 16 }),
    description:
      'Bearer token the registry presents to the runner (at least 16 characters). Required with `DATABASE_URL`; generated and saved in `DATA_DIR` on the embedded default.',
    services: BOTH,
    secret: true,
    shared: true,
  },
  EXT_GATEWAY_TIMEOUT_MS: {
    schema: millis(15000, 'gateway timeout'),
    description: 'Gateway calls to the runner that take longer answer 504.',
    services: REGISTRY,
  },
  EXT_GATEWAY_MAX_BODY_BYTES: {
    schema: bytes(10 * MiB, 'gateway body cap'),
    description: 'Largest request body the gateway forwards (else 413).',
    services: BOTH,
  },
  EXT_GATEWAY_RATE_LIMIT: {
    schema: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 600, description: 'calls per minute' }),
    description:
      'Gateway calls per minute per tenant and extension (else 429 with `Retry-After`); `0` turns limiting off. Counted in Redis when `REDIS_URL` is set.',
    services: REGISTRY,
  },
  EXT_EXECUTION_LOG_RETENTION_DAYS: {
    schema: Type.Integer({ minimum: 1, maximum: 3650, default: 30, description: 'days' }),
    description:
      'Days the execution log, quota usage rows and received events are kept; the registry purges older rows every hour.',
    services: REGISTRY,
  },
  EXT_EVENT_MAX_ATTEMPTS: {
    schema: Type.Integer({ minimum: 1, maximum: 50, default: 5, description: 'attempts' }),
    description:
      'Attempts per event delivery (the first included) before it is given up and logged as failed.',
    services: REGISTRY,
  },
  EXT_EVENT_RETRY_DELAY_MS: {
    schema: millis(1000, 'event retry delay'),
    description: 'Delay before the first retry of an event delivery; each later retry waits twice as long.',
    services: REGISTRY,
  },
  SIGNING_TRUST_BUNDLE: {
    schema: Type.String({ minLength: 1 }),
    description:
      'PEM file path or inline PEM with `PUBLIC KEY` and/or `CERTIFICATE` blocks. Set: unsigned or untrusted bundles are refused.',
    services: BOTH,
    shared: true,
  },
  SECRETS_KEK: {
    schema: Type.String({ minLength: 1 }),
    description:
      'Key-encryption keys for install secrets: comma-separated `[keyId:]base64` 32-byte keys, the first encrypts, all decrypt. Required with `DATABASE_URL`; generated and saved in `DATA_DIR` on the embedded default.',
    services: BOTH,
    secret: true,
    shared: true,
  },
  EXT_EGRESS_ALLOWLIST: {
    schema: Type.String({ default: '' }),
    description:
      'Platform egress ceiling: comma-separated `[scheme://]host[:port]`, `*.domain` wildcards, `*` for any public host. Empty: no egress.',
    services: BOTH,
    shared: true,
  },
  EXT_MAX_BUNDLE_BYTES: {
    schema: bytes(200 * MiB, 'bundle cap'),
    description: 'Largest bundle accepted for upload (413 `BUNDLE_TOO_LARGE`).',
    services: BOTH,
  },
  EXT_MULTIPART_THRESHOLD_BYTES: {
    schema: bytes(64 * MiB, 'multipart threshold', 5 * MiB),
    description: 'Uploads above this size use S3 multipart upload (at least 5 MiB).',
    services: REGISTRY,
  },
  EXT_DEFAULT_TIMEOUT_MS: {
    schema: millis(5000, 'default timeout'),
    description: 'Execution timeout when the manifest asks for none.',
    services: BOTH,
  },
  EXT_MAX_TIMEOUT_MS: {
    schema: millis(30000, 'max timeout'),
    description: 'Ceiling on any execution timeout (requested limits are capped, not rejected).',
    services: BOTH,
  },
  EXT_DEFAULT_MEMORY_MB: {
    schema: Type.Integer({ minimum: 1, maximum: 4096, default: 128 }),
    description: 'Guest memory cap when the manifest asks for none.',
    services: BOTH,
  },
  EXT_MAX_MEMORY_MB: {
    schema: Type.Integer({ minimum: 1, maximum: 4096, default: 512 }),
    description: 'Ceiling on any guest memory cap.',
    services: BOTH,
  },
  EXT_MAX_RESPONSE_BYTES: {
    schema: bytes(16 * MiB, 'response cap'),
    description: 'Largest guest response body (else 502 `RESPONSE_TOO_LARGE`).',
    services: RUNNER,
  },
  EXT_IDEMPOTENCY_TTL_MS: {
    schema: millis(3600 * 1000, 'idempotency ttl'),
    description: 'How long the runner replays the first answer for an `x-idempotency-key`.',
    services: RUNNER,
  },
  EXT_QUOTA_INVOCATIONS_PER_MINUTE: {
    schema: Type.Integer({ minimum: 0, default: 60_000, description: 'per minute' }),
    description:
      'Platform default for calls per minute per tenant and extension (an install may set its own); `0` is unlimited. Over it: 429 `QUOTA_EXCEEDED` with `Retry-After`.',
    services: BOTH,
    shared: true,
  },
  EXT_QUOTA_CPU_MS_PER_MINUTE: {
    schema: Type.Integer({ minimum: 0, default: 300_000, description: 'per minute' }),
    description:
      'Platform default for guest run time (ms) per minute per tenant and extension; `0` is unlimited.',
    services: BOTH,
    shared: true,
  },
  EXT_QUOTA_MEM_MB_MS_PER_MINUTE: {
    schema: Type.Integer({ minimum: 0, default: 38_400_000, description: 'per minute' }),
    description:
      'Platform default for guest memory × run time (MiB·ms) per minute per tenant and extension; `0` is unlimited.',
    services: BOTH,
    shared: true,
  },
  EXT_QUOTA_EGRESS_BYTES_PER_MINUTE: {
    schema: Type.Integer({ minimum: 0, default: 1_073_741_824, description: 'per minute' }),
    description: 'Platform default for egress bytes per minute per tenant and extension; `0` is unlimited.',
    services: BOTH,
    shared: true,
  },
  EXT_UI_STRICT: {
    schema: Type.Boolean({ default: true }),
    description:
      '`false` serves `/ext-ui` without checking that the extension owns the hash (development only).',
    services: RUNNER,
  },
  EXT_UI_FRAME_ANCESTORS: {
    schema: Type.String({ minLength: 1, default: "'self'" }),
    description: 'CSP `frame-ancestors` sources for extension UI (the host app origins).',
    services: RUNNER,
  },
  RUNNER_CACHE_DIR: {
    schema: Type.String({ minLength: 1 }),
    description: 'Disk cache of unpacked bundles and compiled modules. Default: `DATA_DIR/runner-cache`.',
    services: RUNNER,
  },
  RUNNER_CACHE_MAX_BYTES: {
    schema: bytes(2 * 1024 * MiB, 'cache cap', MiB),
    description: 'Byte cap of the runner disk cache (least recently used bundles not in use are evicted).',
    services: RUNNER,
  },
  RUNNER_WORKERS: {
    schema: Type.Integer({ minimum: 1, maximum: 256 }),
    description: 'Worker threads executing guests. Default: the number of CPU cores.',
    services: RUNNER,
  },
  RUNNER_WARM_INSTANCES: {
    schema: Type.Integer({ minimum: 1, maximum: 4096, default: 32 }),
    description:
      'Warm guest instances each worker keeps, one per (install, content hash), least recently used dropped first. Each holds its guest memory: size it to the installs a runner serves.',
    services: RUNNER,
  },
  REDIS_URL: {
    schema: Type.String({ pattern: '^rediss?://' }),
    description: 'Optional Redis for rate limits and quotas shared across instances.',
    services: BOTH,
    secret: true,
  },
  REGISTRY_ADMIN_TOKEN: {
    schema: Type.String({ minLength: 16 }),
    description:
      'Bootstrap admin API key (at least 16 characters). Unset: generated and saved in `DATA_DIR/secrets/admin-token`.',
    services: REGISTRY,
    secret: true,
  },
  LOG_LEVEL: {
    schema: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
    description: 'pino log level: fatal, error, warn, info, debug, trace or silent.',
    services: BOTH,
  },
  HOST: {
    schema: Type.String({ minLength: 1, default: '0.0.0.0' }),
    description: 'Interface the services listen on.',
    services: BOTH,
  },
  PORT: {
    schema: port(undefined, 'port'),
    description:
      'Port of a service run on its own (containers); overrides `REGISTRY_PORT`/`RUNNER_PORT` there.',
    services: BOTH,
  },
  REGISTRY_PORT: {
    schema: port(8080, 'registry port'),
    description: 'Registry port.',
    services: REGISTRY,
  },
  RUNNER_PORT: {
    schema: port(8081, 'runner port'),
    description: 'Runner port.',
    services: RUNNER,
  },
} satisfies Record<string, VariableSpec>;

export type VariableName = keyof typeof VARIABLES;
export const VARIABLE_NAMES = Object.keys(VARIABLES) as VariableName[];
