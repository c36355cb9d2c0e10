import { formatEgressRule, parseEgressRule, type EgressRule } from '@annex/config';

const DEFAULT_PORT = { https: 443, http: 80 } as const;

/** The rule of an egress entry, or undefined when it does not parse. */
export function egressRule(entry: string): EgressRule | undefined {
  try {
    return parseEgressRule(entry);
  } catch {
    return undefined;
  }
}

/** The canonical spelling of an entry (`https://api.example.com`), or the entry when it does not parse. */
export function egressKey(entry: string): string {
  const rule = egressRule(entry);
  return rule ? formatEgressRule(rule) : entry;
}

function hostCovered(outer: string, inner: string): boolean {
  if (outer === '*') return true;
  if (outer === inner) return true;
  if (outer.startsWith('*.')) {
    // `*.example.com` covers `api.example.com` and `*.api.example.com`, not `example.com` itself.
    const suffix = outer.slice(1);
    const bare = inner.startsWith('*.') ? inner.slice(1) : inner;
    return bare.endsWith(suffix) && bare.length > suffix.length;
  }
  return false;
}

/**
 * Whether `outer` allows everything `inner` allows: the same scheme and port (no port means the
 * scheme's default) and a host that is equal or, for a wildcard, a subdomain.
 */
export function covers(outer: EgressRule, inner: EgressRule): boolean {
  if (outer.scheme !== inner.scheme) return false;
  if ((outer.port ?? DEFAULT_PORT[outer.scheme]) !== (inner.port ?? DEFAULT_PORT[inner.scheme])) return false;
  return hostCovered(outer.host, inner.host);
}

export function coveredByAny(rules: readonly EgressRule[], inner: EgressRule): boolean {
  return rules.some((outer) => covers(outer, inner));
}
