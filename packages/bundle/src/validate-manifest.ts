/**
 * validateManifest: manifest.json → a typed Manifest or every issue at once, each with a dotted
 * path (`api.endpoints[0].path`) so a publisher fixes them in one pass. Shape comes from the
 * TypeBox schema; the rules that need code are below it.
 */
import Value from 'typebox/value';
import semver from 'semver';
import { parseEgressRule, formatEgressRule } from '@annex/config';
import type { ManifestIssue } from './bundle-error.js';
import { isSafeRelativePath, unsafePathReason } from './bundle-path.js';
import { isCapability, CAPABILITIES } from './capabilities.js';
import { compileConfigSchema, joinPath } from './config-schema.js';
import { endpointPathProblem, endpointRouteKey } from './endpoint-path.js';
import {
  DEFAULT_ENTRY,
  MANIFEST_FIELDS,
  MANIFEST_RUNTIME,
  ManifestSchema,
  type Manifest,
  type ManifestInput,
} from './manifest-schema.js';

export type ValidateManifestResult =
  { ok: true; manifest: Manifest } | { ok: false; issues: ManifestIssue[] };

/** Friendlier words for the pattern rules of SPEC section 2. */
const PATTERN_MESSAGES: Record<string, string> = {
  name: 'must be 1-64 lowercase letters, digits or hyphens, starting with a letter or digit',
  publisher: 'must be 1-39 lowercase letters, digits or hyphens, starting with a letter or digit',
};

export function validateManifest(json: unknown): ValidateManifestResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, issues: [{ path: '', message: 'the manifest must be a JSON object' }] };
  }
  const issues: ManifestIssue[] = [];
  for (const key of Object.keys(json)) {
    if (!MANIFEST_FIELDS.includes(key)) {
      const hint = closestField(key);
      issues.push({
        path: joinPath('', `/${key}`),
        message: `unknown field ${JSON.stringify(key)}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}`,
      });
    }
  }
  issues.push(...shapeIssues(json));
  const input = json as Partial<ManifestInput> & Record<string, unknown>;
  issues.push(...ruleIssues(input));
  if (issues.length > 0) return { ok: false, issues: dedupe(issues) };

  const manifest = structuredClone(input) as ManifestInput;
  return {
    ok: true,
    manifest: { ...manifest, runtime: MANIFEST_RUNTIME, entry: manifest.entry ?? DEFAULT_ENTRY } as Manifest,
  };
}

/** Parses manifest.json text (or bytes) and validates it. */
export function parseManifest(text: string | Uint8Array): ValidateManifestResult {
  let json: unknown;
  try {
    json = JSON.parse(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
  } catch (err) {
    return {
      ok: false,
      issues: [{ path: '', message: `manifest.json is not valid JSON: ${(err as Error).message}` }],
    };
  }
  return validateManifest(json);
}

function shapeIssues(json: object): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  for (const error of Value.Errors(ManifestSchema, json)) {
    // Unknown top-level fields are reported above with a hint; nested ones surface as
    // `additionalProperties: false` failing on the property itself.
    if (error.keyword === 'additionalProperties') continue;
    const path = joinPath('', error.instancePath);
    if (error.keyword === 'boolean') {
      if (!path.includes('.') && !path.includes('[')) continue;
      issues.push({ path, message: 'unknown field' });
    } else if (error.keyword === 'required') {
      const missing = (error.params as { requiredProperties?: string[] }).requiredProperties ?? [];
      for (const field of missing) issues.push({ path: joinPath(path, `/${field}`), message: 'is required' });
    } else if (error.keyword === 'pattern' && PATTERN_MESSAGES[path]) {
      issues.push({ path, message: PATTERN_MESSAGES[path] });
    } else if (error.keyword === 'enum') {
      const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
      issues.push({ path, message: allowed ? `must be one of ${allowed.join(', ')}` : error.message });
    } else if (error.keyword === 'const') {
      const allowed = (error.params as { allowedValue?: unknown }).allowedValue;
      issues.push({ path, message: `must be ${JSON.stringify(allowed)}` });
    } else {
      issues.push({ path, message: error.message });
    }
  }
  return issues;
}

function ruleIssues(m: Partial<ManifestInput> & Record<string, unknown>): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });

  if (typeof m.version === 'string' && !isStrictSemver(m.version)) {
    add('version', 'must be a strict SemVer 2.0 version such as 1.2.3 (no "v" prefix)');
  }
  if (typeof m.entry === 'string' && !isSafeRelativePath(m.entry)) {
    add('entry', `must be a relative path inside the bundle: ${unsafePathReason(m.entry)}`);
  }
  if (typeof m.sbom === 'string' && !isSafeRelativePath(m.sbom)) {
    add('sbom', `must be a relative path inside the bundle: ${unsafePathReason(m.sbom)}`);
  }

  if (Array.isArray(m.capabilities)) {
    const seen = new Set<string>();
    m.capabilities.forEach((cap, i) => {
      if (typeof cap !== 'string') return;
      if (!isCapability(cap))
        add(`capabilities[${i}]`, `unknown capability; expected one of ${CAPABILITIES.join(', ')}`);
      else if (seen.has(cap)) add(`capabilities[${i}]`, `duplicate capability ${cap}`);
      seen.add(cap);
    });
  }

  if (Array.isArray(m.egress)) {
    const seen = new Set<string>();
    m.egress.forEach((entry, i) => {
      if (typeof entry !== 'string') return;
      try {
        const rule = parseEgressRule(entry);
        // `*` is for the platform ceiling; an extension names the hosts it calls.
        if (rule.host === '*') throw new Error('"*" is not allowed here: name the hosts (or *.domain)');
        const key = formatEgressRule(rule);
        if (seen.has(key)) add(`egress[${i}]`, `duplicate egress entry ${key}`);
        seen.add(key);
      } catch (err) {
        add(`egress[${i}]`, (err as Error).message);
      }
    });
  }

  if (Array.isArray(m.api?.endpoints)) {
    const routes = new Map<string, number>();
    m.api.endpoints.forEach((endpoint, i) => {
      if (typeof endpoint?.path !== 'string') return;
      const problem = endpointPathProblem(endpoint.path);
      if (problem) {
        add(`api.endpoints[${i}].path`, problem);
        return;
      }
      if (typeof endpoint.method !== 'string') return;
      const key = endpointRouteKey(endpoint.method, endpoint.path);
      const first = routes.get(key);
      if (first !== undefined) {
        add(
          `api.endpoints[${i}]`,
          `duplicates api.endpoints[${first}] (${endpoint.method} ${endpoint.path})`,
        );
      } else {
        routes.set(key, i);
      }
    });
  }

  if (m.ui && typeof m.ui.entry === 'string') {
    const reason = unsafePathReason(m.ui.entry);
    if (reason) add('ui.entry', `must be a relative path inside the bundle: ${reason}`);
    else if (!m.ui.entry.startsWith('ui/'))
      add('ui.entry', 'must be a file under ui/ (for example ui/index.html)');
  }

  if (Array.isArray(m.secrets)) {
    const seen = new Set<string>();
    m.secrets.forEach((secret, i) => {
      if (typeof secret?.name !== 'string') return;
      if (seen.has(secret.name)) add(`secrets[${i}].name`, `duplicate secret name ${secret.name}`);
      seen.add(secret.name);
    });
  }

  if (
    m.config !== undefined &&
    typeof m.config === 'object' &&
    m.config !== null &&
    !Array.isArray(m.config)
  ) {
    const compiled = compileConfigSchema(m.config);
    if (!compiled.ok) issues.push(...compiled.issues);
  }
  return issues;
}

/** semver.parse tolerates a leading `v` or `=` and surrounding spaces; SemVer 2.0 does not. */
function isStrictSemver(version: string): boolean {
  return /^\d/.test(version) && version.trim() === version && semver.parse(version) !== null;
}

function dedupe(issues: ManifestIssue[]): ManifestIssue[] {
  // A union reports one failure per branch on the same path; the first says enough.
  const seen = new Set<string>();
  return issues.filter((issue) => {
    if (seen.has(issue.path)) return false;
    seen.add(issue.path);
    return true;
  });
}

function closestField(key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const field of MANIFEST_FIELDS) {
    const distance = editDistance(key.toLowerCase(), field.toLowerCase());
    if (distance < bestDistance) {
      best = field;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
