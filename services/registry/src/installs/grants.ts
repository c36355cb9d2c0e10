import { ALWAYS_GRANTED_CAPABILITIES, CAPABILITIES, compileConfigSchema, type Manifest } from '@annex/bundle';
import type { EgressRule } from '@annex/config';
import { RegistryError } from '../registry-error.js';
import { coveredByAny, egressKey, egressRule } from './egress-coverage.js';

/**
 * What an install may do, judged against its version's manifest and the platform ceiling
 * (SPEC sections 5 and 10). Pure functions: they throw RegistryErrors naming the offending item.
 */

const ALWAYS = new Set<string>(ALWAYS_GRANTED_CAPABILITIES);

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

export function manifestCapabilities(manifest: Manifest): string[] {
  return manifest.capabilities ?? [];
}

export function manifestEgress(manifest: Manifest): string[] {
  return manifest.egress ?? [];
}

/** `grantedCaps` ⊆ the manifest's `capabilities` (the always-granted ones may be named too). */
export function checkCapabilities(requested: readonly string[], manifest: Manifest): string[] {
  const asked = new Set(manifestCapabilities(manifest));
  for (const cap of requested) {
    if (asked.has(cap) || ALWAYS.has(cap)) continue;
    const known = (CAPABILITIES as readonly string[]).includes(cap);
    throw new RegistryError(
      'GRANT_NOT_REQUESTED',
      known
        ? `capability ${cap} is not requested by ${manifest.publisher}.${manifest.name}@${manifest.version}`
        : `${JSON.stringify(cap)} is not a capability (expected one of ${CAPABILITIES.join(', ')})`,
      { capability: cap, requested: [...asked] },
    );
  }
  return unique(requested);
}

/**
 * `egress` ⊆ the manifest's `egress` (an entry may be narrower than a manifest entry, e.g.
 * `api.example.com` under `*.example.com`) and within the platform ceiling `EXT_EGRESS_ALLOWLIST`.
 */
export function checkEgress(
  requested: readonly string[],
  manifest: Manifest,
  ceiling: readonly EgressRule[],
) {
  const manifestRules = manifestEgress(manifest).flatMap((e) => egressRule(e) ?? []);
  const granted: string[] = [];
  const seen = new Set<string>();
  for (const raw of requested) {
    const entry = raw.trim();
    const rule = egressRule(entry);
    if (!rule || rule.host === '*') {
      throw new RegistryError(
        'EGRESS_NOT_REQUESTED',
        `egress ${JSON.stringify(raw)} is not a host the extension requests (expected [scheme://]host[:port])`,
        { egress: raw },
      );
    }
    if (!coveredByAny(manifestRules, rule)) {
      throw new RegistryError(
        'EGRESS_NOT_REQUESTED',
        `egress ${entry} is not requested by ${manifest.publisher}.${manifest.name}@${manifest.version}`,
        { egress: entry, requested: manifestEgress(manifest) },
      );
    }
    if (!coveredByAny(ceiling, rule)) {
      throw new RegistryError(
        'EGRESS_NOT_ALLOWED',
        `egress ${entry} is beyond the platform ceiling (EXT_EGRESS_ALLOWLIST)`,
        { egress: entry },
      );
    }
    const key = egressKey(entry);
    if (!seen.has(key)) granted.push(entry);
    seen.add(key);
  }
  return granted;
}

/**
 * The default egress grant: the manifest's entries within the ceiling. Entries beyond it are left
 * out and reported, so an install of an extension that asks for more than the platform allows still
 * succeeds, saying what it did not get.
 */
export function defaultEgress(manifest: Manifest, ceiling: readonly EgressRule[]) {
  const granted: string[] = [];
  const withheld: string[] = [];
  for (const entry of manifestEgress(manifest)) {
    const rule = egressRule(entry);
    if (rule && coveredByAny(ceiling, rule)) granted.push(entry);
    else withheld.push(entry);
  }
  return { granted, withheld };
}

/** Validates an install configuration against the manifest's JSON Schema; issues name the path. */
export function checkConfig(config: Record<string, unknown>, manifest: Manifest): Record<string, unknown> {
  if (!manifest.config) return config;
  const compiled = compileConfigSchema(manifest.config);
  if (!compiled.ok) {
    throw new RegistryError('INVALID_CONFIG', 'the version’s config schema cannot be compiled', {
      issues: compiled.issues,
    });
  }
  const issues = compiled.schema.validate(config).map((issue) => ({
    path:
      issue.path === ''
        ? 'config'
        : issue.path.startsWith('[')
          ? `config${issue.path}`
          : `config.${issue.path}`,
    message: issue.message,
  }));
  if (issues.length > 0) {
    const first = issues[0]!;
    throw new RegistryError('INVALID_CONFIG', `invalid config: ${first.path} ${first.message}`, { issues });
  }
  return config;
}

/** What `requested` grants beyond `current`: the new capabilities and egress hosts an update must have approved. */
export function grantsBeyond(
  requested: { caps: readonly string[]; egress: readonly string[] },
  current: { caps: readonly string[]; egress: readonly string[] },
): { capabilities: string[]; egress: string[] } {
  const held = new Set(current.caps);
  const heldRules = current.egress.flatMap((e) => egressRule(e) ?? []);
  return {
    capabilities: unique(requested.caps.filter((cap) => !held.has(cap) && !ALWAYS.has(cap))),
    egress: unique(
      requested.egress.filter((entry) => {
        const rule = egressRule(entry);
        return !rule || !coveredByAny(heldRules, rule);
      }),
    ),
  };
}

/** The capabilities the runner links for an install: its grants plus the always-granted ones. */
export function providersOf(grantedCaps: readonly string[]): string[] {
  const set = new Set([...grantedCaps, ...ALWAYS]);
  return CAPABILITIES.filter((cap) => set.has(cap));
}
