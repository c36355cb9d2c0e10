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
