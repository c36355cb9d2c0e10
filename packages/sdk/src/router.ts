import { errorResponse, notFound } from './responses.js';
import type { ExecuteRequest, HttpResponse } from './wit-types.js';

/** The methods a manifest endpoint may declare (SPEC section 3). */
export const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** The names of the `:param` segments of a route key such as `'GET /items/:id'`. */
export type ParamNames<Key extends string> = Key extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<Rest>
  : Key extends `${string}:${infer Name}`
    ? Name
    : never;

export type RouteParams<Key extends string> = { [Name in ParamNames<Key>]: string };

export type RouteHandler<Params = Record<string, string>> = (
  req: ExecuteRequest,
  params: Params,
) => HttpResponse;

export type Handle = (req: ExecuteRequest) => HttpResponse;

export interface RouteOptions {
  /** Answers requests no route matches (default: 404 `NOT_FOUND`). */
  notFound?: Handle;
}

type Segment = { literal: string } | { param: string };

interface CompiledRoute {
  key: string;
  method: string;
  segments: Segment[];
  handler: RouteHandler;
}

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A handler that dispatches on `'METHOD /path'` keys. `:name` matches one non-empty path segment, as
 * in manifest endpoints, and arrives URL-decoded in `params`. A literal segment wins over a parameter
 * at the same position whatever the key order; a path that matches under another method answers 405
 * with `allow`. Keys are checked when `route` is called, which for a component is at build time.
 */
export function route<const T>(
  routes: { [Key in keyof T]: RouteHandler<RouteParams<Key & string>> },
  options: RouteOptions = {},
): Handle {
  const compiled = Object.entries(routes as Record<string, RouteHandler>).map(([key, handler]) =>
    compileRoute(key, handler),
  );
  const shapes = new Map<string, string>();
  for (const r of compiled) {
    const shape = `${r.method} ${r.segments.map((s) => ('param' in s ? ':' : s.literal)).join('/')}`;
    const other = shapes.get(shape);
    if (other) throw new Error(`Routes '${other}' and '${r.key}' match the same requests`);
    shapes.set(shape, r.key);
  }
  compiled.sort(bySpecificity);

  return (req) => {
    const pathSegments = req.http.path.split('/').slice(1);
    const method = req.http.method.toUpperCase();
    const allowed = new Set<string>();
    for (const r of compiled) {
      const params = matchSegments(r.segments, pathSegments);
      if (!params) continue;
      if (r.method === method) return r.handler(req, params);
      allowed.add(r.method);
    }
    if (allowed.size > 0) {
      return errorResponse(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed here`, {
        allow: [...allowed].join(', '),
      });
    }
    return options.notFound ? options.notFound(req) : notFound(`No route for ${method} ${req.http.path}`);
  };
}

function compileRoute(key: string, handler: RouteHandler): CompiledRoute {
  const match = /^([A-Z]+) (\/\S*)$/.exec(key);
  if (!match) throw new Error(`Route '${key}' must look like 'GET /items/:id'`);
  const [, method = '', path = ''] = match;
  if (!(ROUTE_METHODS as readonly string[]).includes(method)) {
    throw new Error(`Route '${key}': method must be one of ${ROUTE_METHODS.join(', ')}`);
  }
  if (typeof handler !== 'function') throw new Error(`Route '${key}': the handler is not a function`);
  const names = new Set<string>();
  const segments = path
    .split('/')
    .slice(1)
    .map((segment): Segment => {
      if (!segment.startsWith(':')) return { literal: segment };
      const name = segment.slice(1);
      if (!PARAM_NAME.test(name)) throw new Error(`Route '${key}': '${segment}' is not a valid parameter`);
      if (names.has(name)) throw new Error(`Route '${key}': parameter '${name}' appears twice`);
      names.add(name);
      return { param: name };
    });
  return { key, method, segments, handler };
}

function matchSegments(pattern: Segment[], path: string[]): Record<string, string> | undefined {
  if (pattern.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i] as Segment;
    const got = path[i] as string;
    if ('literal' in want) {
      if (want.literal !== got) return undefined;
    } else {
      if (got === '') return undefined;
      params[want.param] = decodeSegment(got);
    }
  }
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // malformed escapes are passed through as sent
  }
}

/** Literal segments sort before parameters at the first position where two routes differ. */
function bySpecificity(a: CompiledRoute, b: CompiledRoute): number {
  const n = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const aParam = 'param' in (a.segments[i] as Segment);
    const bParam = 'param' in (b.segments[i] as Segment);
    if (aParam !== bParam) return aParam ? 1 : -1;
  }
  return 0;
}
