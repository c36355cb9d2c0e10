/**
 * Which headers cross the gateway (SPEC sections 5 and 10). Requests: `accept`, `accept-language`,
 * `content-type`, `user-agent`, `x-request-id`, `x-idempotency-key` and `x-ext-*`; never
 * `authorization` or cookies. Responses: `content-type`, `cache-control`, `etag`, `location` and
 * `x-ext-*`; never `set-cookie`.
 */
const REQUEST_HEADERS = new Set([
  'accept',
  'accept-language',
  'content-type',
  'user-agent',
  'x-request-id',
  'x-idempotency-key',
]);
const RESPONSE_HEADERS = new Set(['content-type', 'cache-control', 'etag', 'location']);

const isExtHeader = (name: string) => name.startsWith('x-ext-') && name.length > 'x-ext-'.length;

/** The client headers the guest sees; `x-request-id` is always the gateway's request id. */
export function forwardedRequestHeaders(
  headers: Record<string, string | string[] | undefined>,
  requestId: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [raw, value] of Object.entries(headers)) {
    const name = raw.toLowerCase();
    if (value === undefined || !(REQUEST_HEADERS.has(name) || isExtHeader(name))) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  out['x-request-id'] = requestId;
  return out;
}

/** The guest's headers the client sees. */
export function returnedResponseHeaders(
  headers: Record<string, string | string[]>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [raw, value] of Object.entries(headers)) {
    const name = raw.toLowerCase();
    if (!(RESPONSE_HEADERS.has(name) || isExtHeader(name))) continue;
    // Values go out in a header line: nothing that could split it.
    const values = (Array.isArray(value) ? value : [value]).filter((v) => !/[\r\n\0]/.test(v));
    if (values.length === 0) continue;
    out[name] = values.length === 1 ? values[0]! : values;
  }
  return out;
}
