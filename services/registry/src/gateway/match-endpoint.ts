import type { ManifestEndpoint } from '@annex/bundle';

function segmentsOf(path: string): string[] {
  return path === '/' ? [] : path.slice(1).split('/');
}

/**
 * The manifest endpoint a request reaches (SPEC section 5): the same method, the same number of
 * segments, literal segments equal, and each `:param` one non-empty segment. `.` and `..` segments
 * never match. When several match, the one with a literal where the others have a parameter
 * (earliest difference first) wins, so `/items/new` beats `/items/:id`.
 */
export function matchEndpoint(
  endpoints: readonly ManifestEndpoint[],
  method: string,
  path: string,
): ManifestEndpoint | undefined {
  if (!path.startsWith('/')) return undefined;
  const request = segmentsOf(path);
  if (request.some((s) => s === '' || s === '.' || s === '..')) return undefined;
  let best: { endpoint: ManifestEndpoint; literals: boolean[] } | undefined;
  for (const endpoint of endpoints) {
    if (endpoint.method !== method) continue;
    const pattern = segmentsOf(endpoint.path);
    if (pattern.length !== request.length) continue;
    const literals = pattern.map((p) => !p.startsWith(':'));
    if (!pattern.every((p, i) => !literals[i] || p === request[i])) continue;
    if (!best || moreSpecific(literals, best.literals)) best = { endpoint, literals };
  }
  return best?.endpoint;
}

function moreSpecific(a: boolean[], b: boolean[]): boolean {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i] === true;
  }
  return false;
}
