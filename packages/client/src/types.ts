/** Shapes of the registry's answers (SPEC section 5 and 10). */
export type Role = 'admin' | 'publisher' | 'tenant' | 'gateway';

export interface ApiKey {
  id: string;
  role: Role;
  publishers?: string[];
  tenantId?: string;
  name: string | null;
  createdAt: string;
  revokedAt: string | null;
}

export interface Deprecation {
  reason: string;
  replacement: string | null;
  at: string;
}

export interface Extension {
  id: string;
  slug: string;
  publisher: string;
  name: string;
  displayName: string | null;
  description: string | null;
  latestVersion: string | null;
  deprecation: Deprecation | null;
  createdAt: string;
}

export interface SignatureSummary {
  status: 'verified' | 'unverified' | 'unsigned';
  keyId: string | null;
  signer: string | null;
}

export interface Version {
  version: string;
  contentHash: string;
  signature: SignatureSummary;
  yanked: boolean;
  createdAt: string;
}

export interface VersionDetail extends Version {
  extension: { id: string; slug: string };
  versionId: string;
  yankReason: string | null;
  deprecation: Deprecation | null;
  manifest: {
    displayName: string | null;
    description: string | null;
    capabilities: string[];
    egress: string[];
    endpoints: { method: string; path: string; handler?: string }[];
    ui: Record<string, unknown> | null;
    events: unknown[];
    config: Record<string, unknown> | null;
    secrets: { name: string; description?: string; required?: boolean }[];
    limits: Record<string, unknown> | null;
  };
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type InstallStatus = 'enabled' | 'disabled' | 'pending';

/** An install (SPEC section 10), with the pending update and missing secrets the registry adds. */
export interface Install {
  id: string;
  tenantId: string;
  extension: { id: string; slug: string };
  version: string;
  contentHash: string;
  status: InstallStatus;
  grantedCaps: string[];
  egress: string[];
  config: Record<string, unknown>;
  uiUrl: string | null;
  missingSecrets: string[];
  pendingUpdate: {
    version: string;
    newCapabilities: string[];
    newEgress: string[];
    requestedAt: string;
  } | null;
  /** Per-minute limits in force (the install's own, else the platform defaults; 0 = unlimited). */
  quota: Quota;
  createdAt: string;
  updatedAt: string;
  /** On install and update: a deprecation, or egress left out because of the platform ceiling. */
  warning?: string;
}

export interface Quota {
  invocationsPerMinute: number;
  cpuMsPerMinute: number;
  memMbMsPerMinute: number;
  egressBytesPerMinute: number;
}

export interface Grants {
  grantedCaps?: string[];
  egress?: string[];
  config?: Record<string, unknown>;
}

/** `PATCH /installs/{ext}`: grants, config and quotas (null: back to the platform defaults). */
export interface InstallPatch extends Grants {
  quota?: Partial<Quota> | null;
}

export interface InstallInput extends Grants {
  extension: string;
  /** Exact version, `latest` (the default) or a SemVer range. */
  version?: string;
}

export interface UpdateInput extends Grants {
  version: string;
  /** Grant what the target asks for beyond the current grants (else 409 APPROVAL_REQUIRED). */
  approve?: boolean;
}

export interface SecretList {
  items: { name: string; version: number; createdAt: string; updatedAt: string }[];
  missing: string[];
}

export interface Resolved {
  installId: string;
  extensionId: string;
  versionId: string;
  version: string;
  contentHash: string;
  endpoint: { method: string; path: string; handler?: string };
  config: Record<string, unknown>;
  providers: string[];
  egress: string[];
  secretEnvelope: { ciphertext_b64: string; key_id: string };
  limits: { timeout_ms: number; memory_mb: number };
}

export interface Execution {
  id: string;
  requestId: string;
  eventId: string | null;
  source: 'gateway' | 'runner' | 'event';
  extensionId: string;
  installId: string | null;
  status: number | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  metrics: Record<string, unknown>;
}

/** An extension's answer through the gateway. */
export interface GatewayResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
  requestId: string | null;
}

export type ExecutionQuery = {
  extension?: string;
  /** `502`, `5xx`, `ok` or `error`. */
  status?: string;
  source?: Execution['source'];
  event?: string;
  requestId?: string;
  error?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
};

/** One tenant's extension's usage in one minute window. */
export interface UsageWindow {
  extensionId: string;
  windowStart: string;
  invocations: number;
  cpuMs: number;
  memMbMs: number;
  egressBytes: number;
}

/** `POST /v1/tenants/{t}/events` (docs/events.md). */
export interface EventInput {
  topic: string;
  /** Any JSON value. */
  payload: unknown;
  /** Unique per tenant (`^[A-Za-z0-9._:-]{1,128}$`); generated when left out. Replaying it queues nothing. */
  id?: string;
}

export interface PublishedEvent {
  id: string;
  topic: string;
  /** Deliveries queued (for a duplicate: by the first posting of the id). */
  deliveries: number;
  /** True when the id was already received (HTTP 200); false for a new event (202). */
  duplicate: boolean;
}

/** One delivery of an event: to one install and handler. */
export interface EventDelivery {
  id: string;
  installId: string;
  extension: { id: string; slug: string };
  handler: string | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  updatedAt: string;
}

export interface EventDetail {
  id: string;
  topic: string;
  payload: unknown;
  receivedAt: string;
  deliveries: EventDelivery[];
}
