/**
 * Which (scheme, host, port) a guest may call: allowed by the install's egress list AND by the
 * platform ceiling (EXT_EGRESS_ALLOWLIST). Deny by default: an empty list on either side allows
 * nothing. Addresses are judged separately, after DNS (forbidden-addresses.ts).
 */
import { parseEgressRule, type EgressRule } from '@annex/config';

export interface EgressTarget {
  scheme: 'http' | 'https';
  /** Lower case, no trailing dot; an IPv6 literal without brackets. */
  host: string;
  port: number;
}

export const DEFAULT_PORTS = { http: 80, https: 443 } as const;

export function ruleMatches(rule: EgressRule, target: EgressTarget): boolean {
  if (rule.scheme !== target.scheme) return false;
  if ((rule.port ?? DEFAULT_PORTS[rule.scheme]) !== target.port) return false;
  if (rule.host === '*') return true;
  if (rule.host.startsWith('*.')) {
    const domain = rule.host.slice(1); // ".example.com"
    return target.host.endsWith(domain) && target.host.length > domain.length;
  }
  return rule.host === target.host;
}

export interface EgressAllowlist {
  allows(target: EgressTarget): boolean;
}

/** Parses the request's list (throws on a malformed entry) and intersects it with the ceiling. */
export function egressAllowlist(
  requested: readonly string[],
  ceiling: readonly EgressRule[],
): EgressAllowlist {
  const rules = requested.map(parseEgressRule);
  return {
    allows: (target) =>
      rules.some((rule) => ruleMatches(rule, target)) && ceiling.some((rule) => ruleMatches(rule, target)),
  };
}

/** The target of a URL, or undefined for a scheme other than http and https. */
export function targetOf(url: URL): EgressTarget | undefined {
  const scheme = url.protocol === 'https:' ? 'https' : url.protocol === 'http:' ? 'http' : undefined;
  if (!scheme) return undefined;
  let host = url.hostname.toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.endsWith('.')) host = host.slice(0, -1);
  return { scheme, host, port: url.port === '' ? DEFAULT_PORTS[scheme] : Number(url.port) };
}
