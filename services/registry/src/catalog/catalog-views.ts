import type { SignatureStatus } from '@annex/db';
import { slugOf } from './extension-ref.js';

export interface Deprecation {
  reason: string;
  replacement: string | null;
  at: string;
}

export interface ExtensionRow {
  id: string;
  publisher: string;
  name: string;
  display_name: string | null;
  description: string | null;
  latest_version: string | null;
  deprecation: Deprecation | null;
  created_at: Date;
}

export interface ExtensionView {
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

export function extensionView(row: ExtensionRow): ExtensionView {
  return {
    id: row.id,
    slug: slugOf(row),
    publisher: row.publisher,
    name: row.name,
    displayName: row.display_name,
    description: row.description,
    latestVersion: row.latest_version,
    deprecation: row.deprecation,
    createdAt: row.created_at.toISOString(),
  };
}

export interface VersionRow {
  id: string;
  semver: string;
  content_hash: string;
  signature: Record<string, unknown> | null;
  signature_status: SignatureStatus;
  signer: string | null;
  yanked: boolean;
  yank_reason: string | null;
  manifest: Record<string, unknown>;
  created_at: Date;
}

export interface SignatureView {
  status: SignatureStatus;
  keyId: string | null;
  signer: string | null;
}

export interface VersionView {
  version: string;
  contentHash: string;
  signature: SignatureView;
  yanked: boolean;
  createdAt: string;
}

export function versionView(row: VersionRow): VersionView {
  const keyId = typeof row.signature?.keyId === 'string' ? row.signature.keyId : null;
  return {
    version: row.semver,
    contentHash: row.content_hash,
    signature: { status: row.signature_status, keyId, signer: row.signer },
    yanked: row.yanked,
    createdAt: row.created_at.toISOString(),
  };
}

/** What a tenant admin reviews before installing: the manifest's requests and contracts. */
export function manifestSummary(manifest: Record<string, unknown>) {
  const api = manifest.api as { endpoints?: unknown[] } | undefined;
  return {
    displayName: (manifest.displayName as string | undefined) ?? null,
    description: (manifest.description as string | undefined) ?? null,
    capabilities: (manifest.capabilities as string[] | undefined) ?? [],
    egress: (manifest.egress as string[] | undefined) ?? [],
    endpoints: api?.endpoints ?? [],
    ui: (manifest.ui as Record<string, unknown> | undefined) ?? null,
    events: (manifest.events as unknown[] | undefined) ?? [],
    config: (manifest.config as Record<string, unknown> | undefined) ?? null,
    secrets: (manifest.secrets as unknown[] | undefined) ?? [],
    limits: (manifest.limits as Record<string, unknown> | undefined) ?? null,
  };
}
