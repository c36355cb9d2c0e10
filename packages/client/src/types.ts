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
  createdAt: string;
  updatedAt: string;
  /** On install and update: a deprecation, or egress left out because of the platform ceiling. */
  warning?: string;
}

export interface Grants {
  grantedCaps?: string[];
  egress?: string[];
  config?: Record<string, unknown>;
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
