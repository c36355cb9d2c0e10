import { HostError } from './host/host-error.js';
import { log } from './host/log.js';
import { HttpError } from './http-error.js';
import { errorResponse } from './responses.js';
import type { Handle } from './router.js';
import type { ExecuteRequest, HttpResponse } from './wit-types.js';

/**
 * Wraps a handle function into the `handler` export of the world: export its result as `handler`
 * from the entry module. A thrown HttpError becomes its response; anything else becomes a 500 whose
 * body says nothing about the cause (messages can carry data the caller must not see), and the cause
 * goes to the log. Without this a throw would trap the instance, which the runner reports as
 * `500 GUEST_TRAP` and answers by discarding the warm instance.
 */
export function defineHandler(handle: Handle): { handle: (req: ExecuteRequest) => HttpResponse } {
  return {
    handle(req) {
      try {
        return checkResponse(handle(req));
      } catch (err) {
        return errorToResponse(err, req);
      }
    },
  };
}

function errorToResponse(err: unknown, req: ExecuteRequest): HttpResponse {
  if (err instanceof HttpError) return errorResponse(err.status, err.code, err.message, err.headers);
  log.error(`unhandled error in ${req.http.method} ${req.http.path}`, {
    error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    ...(err instanceof HostError ? { interface: err.iface, code: err.code } : {}),
  });
  return errorResponse(500, 'EXTENSION_ERROR', 'The extension failed to handle the request');
}

/**
 * Checks what crosses the component boundary: lowering a malformed value traps or, worse, silently
 * turns into an empty one (an `async` handler's Promise, for example).
 */
function checkResponse(res: unknown): HttpResponse {
  if (res && typeof (res as { then?: unknown }).then === 'function') {
    throw new TypeError('handlers must return a response synchronously, not a Promise');
  }
  const r = res as Partial<HttpResponse> | undefined;
  if (!r || !Number.isInteger(r.status) || (r.status as number) < 100 || (r.status as number) > 599) {
    throw new TypeError('a handler returned no response or a status outside 100-599');
  }
  const headers = r.headers ?? [];
  const wellFormed =
    Array.isArray(headers) &&
    headers.every((h) => Array.isArray(h) && typeof h[0] === 'string' && typeof h[1] === 'string');
  if (!wellFormed) throw new TypeError('response headers must be [name, value] string pairs');
  if (r.body !== undefined && !(r.body instanceof Uint8Array)) {
    throw new TypeError('a response body must be a Uint8Array');
  }
  return { status: r.status as number, headers, body: r.body };
}
