import type { ColumnType, Generated } from 'kysely';

/**
 * The tables of migrations/*.sql as kysely sees them (SPEC section 8). Kept beside the migrations'
 * meaning, not generated: a new migration updates this file in the same commit.
 */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** jsonb columns are written as JSON text (see `json()` in tenant-scope.ts) and read as values. */
type Json<T> = ColumnType<T, string, string>;

export interface ExtensionRegistryTable {
  id: Generated<string>;
  publisher: string;
  name: string;
  display_name: string | null;
  description: string | null;
  latest_version: string | null;
  deprecation: Json<{ reason: string; replacement: string | null; at: string } | null> | null;
  created_at: CreatedAt;
}

export interface ExtensionBundleTable {
  id: Generated<string>;
  content_hash: string;
  storage_url: string;
  size: number;
  runtime: string;
  sdk_version: string | null;
  created_at: CreatedAt;
}

export type SignatureStatus = 'verified' | 'unverified' | 'unsigned';

export interface ExtensionVersionTable {
  id: Generated<string>;
  registry_id: string;
  semver: string;
  content_hash: string;
  signature: Json<Record<string, unknown> | null> | null;
  signature_status: SignatureStatus;
  signer: string | null;
  sbom_ref: string | null;
  manifest: Json<Record<string, unknown>>;
  yanked: Generated<boolean>;
  yank_reason: string | null;
  created_at: CreatedAt;
}

export type ApiKeyRole = 'admin' | 'publisher' | 'tenant' | 'gateway';

export interface ApiKeyTable {
  id: Generated<string>;
  hash: string;
  role: ApiKeyRole;
  scope: Json<{ publishers?: string[]; tenantId?: string }>;
  name: string | null;
  created_at: CreatedAt;
  revoked_at: Timestamp | null;
}

export type UploadStatus = 'pending' | 'finalizing' | 'finalized' | 'aborted';

export interface ExtensionUploadTable {
  id: Generated<string>;
  created_by: string;
  size: number;
  sha256: string | null;
  filename: string | null;
  staging_key: string;
  multipart_id: string | null;
  part_size: number | null;
  status: ColumnType<UploadStatus, UploadStatus | undefined, UploadStatus>;
  lease_until: Timestamp | null;
  result: Json<Record<string, unknown> | null> | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

export type InstallStatus = 'enabled' | 'disabled' | 'pending';

export interface TenantExtensionInstallTable {
  id: Generated<string>;
  tenant_id: string;
  registry_id: string;
  version_id: string;
  status: ColumnType<InstallStatus, InstallStatus | undefined, InstallStatus>;
  granted_caps: Json<string[]>;
  egress: Json<string[]>;
  config: Json<Record<string, unknown>>;
  /** An update waiting for approval of new grants (migration 0003); null when none. */
  pending_update: Json<PendingUpdate | null> | null;
  /** Per-install quota limits (migration 0004); null: the platform defaults. */
  quota: ColumnType<InstallQuota | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** `tenant_extension_install.pending_update`: the target of an update that needs `approve: true`. */
export interface PendingUpdate {
  versionId: string;
  version: string;
  grantedCaps: string[];
  egress: string[];
  config?: Record<string, unknown>;
  /** What the target asks for beyond the install's grants. */
  newCapabilities: string[];
  newEgress: string[];
  requestedAt: string;
}

export interface TenantExtensionSecretTable {
  install_id: string;
  tenant_id: string;
  name: string;
  ciphertext: string;
  key_id: string;
  version: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface ExtensionEventSubscriptionTable {
  id: Generated<string>;
  tenant_id: string;
  tenant_install_id: string;
  event: string;
  /** The manifest's `events[].filter`: an object, or the same object as JSON text. */
  filter: Json<Record<string, unknown> | string | null> | null;
  /** The manifest's `events[].handler` (migration 0005). */
  handler: string | null;
  created_at: CreatedAt;
}

export interface ExtensionExecutionLogTable {
  id: Generated<string>;
  tenant_id: string;
  extension_id: string;
  install_id: string | null;
  request_id: string;
  event_id: string | null;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  status: number | null;
  metrics: Json<Record<string, unknown>>;
  error: string | null;
  source: ColumnType<ExecutionSource, ExecutionSource | undefined, ExecutionSource>;
}

/** Who wrote an execution log row. */
export type ExecutionSource = 'gateway' | 'runner' | 'event';

/** `tenant_extension_install.quota`: per-install limits; a missing one is the platform default. */
export interface InstallQuota {
  invocationsPerMinute?: number;
  cpuMsPerMinute?: number;
  memMbMsPerMinute?: number;
  egressBytesPerMinute?: number;
}

export interface ExtensionEventTable {
  tenant_id: string;
  id: string;
  topic: string;
  payload: Json<unknown>;
  received_at: CreatedAt;
  deliveries: ColumnType<number, number | undefined, number>;
}

export type EventDeliveryStatus = 'pending' | 'running' | 'delivered' | 'failed';

/** The event dispatcher's queue (migration 0005): one row per event, install and handler. */
export interface ExtensionEventDeliveryTable {
  id: Generated<string>;
  tenant_id: string;
  event_id: string;
  install_id: string;
  extension_id: string;
  handler: string | null;
  status: ColumnType<EventDeliveryStatus, EventDeliveryStatus | undefined, EventDeliveryStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  run_at: Timestamp;
  lease_until: Timestamp | null;
  last_status: number | null;
  last_error: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface ExtensionQuotaUsageTable {
  tenant_id: string;
  extension_id: string;
  window_start: Timestamp;
  cpu_ms: ColumnType<number, number | undefined, number>;
  mem_mb_ms: ColumnType<number, number | undefined, number>;
  invocations: ColumnType<number, number | undefined, number>;
  egress_bytes: ColumnType<number, number | undefined, number>;
}

export interface ExtensionKvTable {
  tenant_id: string;
  install_id: string;
  key: string;
  value: Uint8Array;
  revision: ColumnType<number, number | undefined, number>;
  expires_at: Timestamp | null;
}

export interface Database {
  extension_registry: ExtensionRegistryTable;
  extension_bundle: ExtensionBundleTable;
  extension_version: ExtensionVersionTable;
  api_key: ApiKeyTable;
  extension_upload: ExtensionUploadTable;
  tenant_extension_install: TenantExtensionInstallTable;
  tenant_extension_secret: TenantExtensionSecretTable;
  extension_event_subscription: ExtensionEventSubscriptionTable;
  extension_execution_log: ExtensionExecutionLogTable;
  extension_quota_usage: ExtensionQuotaUsageTable;
  extension_kv: ExtensionKvTable;
  extension_event: ExtensionEventTable;
  extension_event_delivery: ExtensionEventDeliveryTable;
}

/** Tables guarded by row level security; reachable only through withTenant or withSystem. */
export const TENANT_TABLES = [
  'tenant_extension_install',
  'tenant_extension_secret',
  'extension_event_subscription',
  'extension_execution_log',
  'extension_quota_usage',
  'extension_kv',
  'extension_event',
  'extension_event_delivery',
] as const satisfies readonly (keyof Database)[];
