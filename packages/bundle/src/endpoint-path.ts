/**
 * Endpoint paths of `api.endpoints[]`: `/items/:id`. The gateway matches `:param` against one
 * non-empty segment, so two paths that differ only in parameter names are the same route.
 */

const PARAM_RE = /^:[A-Za-z_][A-Za-z0-9_]*$/;
// RFC 3986 pchar without ':' (reserved for parameters) and '%' escapes spelled out as literals.
const LITERAL_RE = /^[A-Za-z0-9._~!$&'()*+,;=@-]+$/;

/** Why `path` is not a valid endpoint path, or undefined. */
export function endpointPathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'must start with "/"';
  if (path === '/') return undefined;
  const segments = path.slice(1).split('/');
  const params = new Set<string>();
  for (const segment of segments) {
    if (segment === '..' || segment === '.') return 'must not contain "." or ".." segments';
    if (segment === '') return 'must not contain empty segments (no "//" and no trailing "/")';
    if (segment.startsWith(':')) {
      if (!PARAM_RE.test(segment))
        return `parameter ${JSON.stringify(segment)} must be ":" and a name like ":id"`;
      if (params.has(segment)) return `parameter ${JSON.stringify(segment)} appears twice`;
      params.add(segment);
    } else if (!LITERAL_RE.test(segment)) {
      return `segment ${JSON.stringify(segment)} has characters that are not allowed in a URL path`;
    }
  }
  return undefined;
}

/** `GET /items/:` for `GET /items/:id`: equal keys are routes the gateway could not tell apart. */
export function endpointRouteKey(method: string, path: string): string {
  return `${method} ${path.replace(/\/:[^/]+/g, '/:')}`;
}
