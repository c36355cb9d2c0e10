import type { FieldList, HttpResponse } from '../wit-types.js';
import { callHost } from './host-error.js';
import { hostBindings } from './host-bindings.js';

export interface FetchInit {
  method?: string;
  headers?: Record<string, string> | FieldList;
  /** A string is sent as UTF-8. */
  body?: Uint8Array | string;
  /** Give up sooner than the host's cap. */
  timeoutMs?: number;
}

export interface FetchResponse {
  status: number;
  /** Names lower case, in the order received. */
  headers: FieldList;
  body: Uint8Array;
  /** First value of a header, case-insensitively. */
  header(name: string): string | undefined;
  text(): string;
  json<T = unknown>(): T;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Outbound HTTP through the host (`cap:http.fetch`), limited to the install's egress allowlist.
 * Synchronous: the runner blocks the guest while it performs the request. Any HTTP status is a
 * response; failures are HostError with an HttpErrorCode (`not-allowed`, `timeout`, `too-large`, …).
 */
export function fetch(url: string, init: FetchInit = {}): FetchResponse {
  const headers: FieldList = Array.isArray(init.headers)
    ? init.headers.map(([name, value]) => [name.toLowerCase(), value])
    : Object.entries(init.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]);
  const body = typeof init.body === 'string' ? encoder.encode(init.body) : init.body;
  const request = {
    method: (init.method ?? 'GET').toUpperCase(),
    url,
    headers,
    body,
    timeoutMs: init.timeoutMs,
  };
  return toFetchResponse(callHost('http', () => hostBindings().http.fetch(request)));
}

function toFetchResponse(res: HttpResponse): FetchResponse {
  const headers = res.headers.map(([name, value]): [string, string] => [name.toLowerCase(), value]);
  const body = res.body ?? new Uint8Array(0);
  return {
    status: res.status,
    headers,
    body,
    header: (name) => headers.find(([n]) => n === name.toLowerCase())?.[1],
    text: () => decoder.decode(body),
    json: <T>() => JSON.parse(decoder.decode(body)) as T,
  };
}
