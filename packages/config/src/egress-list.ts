/**
 * Egress host lists: `[scheme://]host[:port]`, `host` may be `*.domain`, `*` alone is any
 * public host. Without a scheme only https is allowed. Used for the platform ceiling
 * (EXT_EGRESS_ALLOWLIST) and for manifest and install egress lists.
 */
export interface EgressRule {
  scheme: 'https' | 'http';
  /** Lowercase host; `*` for any host; `*.example.com` for any subdomain of example.com. */
  host: string;
  /** Explicit port, or undefined for the scheme's default. */
  port?: number;
}

const LABEL = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
const HOST_RE = new RegExp(`^(\\*|(\\*\\.)?${LABEL}(\\.${LABEL})*)$`);
const IPV4_RE = /^\d{1,3}(\.\d{1,3}){3}$/;

export function parseEgressRule(text: string): EgressRule {
  const raw = text.trim().toLowerCase();
  let rest = raw;
  let scheme: EgressRule['scheme'] = 'https';
  const schemeMatch = /^([a-z]+):\/\//.exec(rest);
  if (schemeMatch) {
    if (schemeMatch[1] !== 'http' && schemeMatch[1] !== 'https') {
      throw new Error(`egress entry ${JSON.stringify(text)}: scheme must be http or https`);
    }
    scheme = schemeMatch[1];
    rest = rest.slice(schemeMatch[0].length);
  }
  let port: number | undefined;
  const portMatch = /:(\d{1,5})$/.exec(rest);
  if (portMatch) {
    port = Number(portMatch[1]);
    if (port < 1 || port > 65535) throw new Error(`egress entry ${JSON.stringify(text)}: port out of range`);
    rest = rest.slice(0, -portMatch[0].length);
  }
  if (!(HOST_RE.test(rest) || IPV4_RE.test(rest))) {
    throw new Error(`egress entry ${JSON.stringify(text)}: expected [scheme://]host[:port] or *.domain`);
  }
  return port === undefined ? { scheme, host: rest } : { scheme, host: rest, port };
}

/** Parses a comma-separated list; empty entries are ignored. */
export function parseEgressList(text: string): EgressRule[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map(parseEgressRule);
}

export function formatEgressRule(rule: EgressRule): string {
  return `${rule.scheme}://${rule.host}${rule.port === undefined ? '' : `:${rule.port}`}`;
}
