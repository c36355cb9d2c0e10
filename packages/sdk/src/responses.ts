import type { FieldList, HttpResponse } from './wit-types.js';

/** Response headers as an object or as name/value pairs (for repeated names). */
export type HeadersInit = Record<string, string> | FieldList;

const encoder = new TextEncoder();

/**
 * Lower-cases names (the gateway's allowlist and HTTP/2 expect it) and lets `extra` replace a
 * default of the same name.
 */
function headerList(defaults: FieldList, extra?: HeadersInit): FieldList {
  const given: FieldList = Array.isArray(extra)
    ? extra.map(([name, value]) => [name.toLowerCase(), value])
    : Object.entries(extra ?? {}).map(([name, value]) => [name.toLowerCase(), value]);
  const overridden = new Set(given.map(([name]) => name));
  return [...defaults.filter(([name]) => !overridden.has(name)), ...given];
}

/** Raw bytes with a content type. */
export function bytes(
  status: number,
  body: Uint8Array,
  contentType = 'application/octet-stream',
  headers?: HeadersInit,
): HttpResponse {
  return { status, headers: headerList([['content-type', contentType]], headers), body };
}

export function json(status: number, value: unknown, headers?: HeadersInit): HttpResponse {
  return bytes(status, encoder.encode(JSON.stringify(value)), 'application/json; charset=utf-8', headers);
}

export function text(status: number, body: string, headers?: HeadersInit): HttpResponse {
  return bytes(status, encoder.encode(body), 'text/plain; charset=utf-8', headers);
}

export function html(status: number, body: string, headers?: HeadersInit): HttpResponse {
  return bytes(status, encoder.encode(body), 'text/html; charset=utf-8', headers);
}

/** A response without a body (204 unless told otherwise). */
export function empty(status = 204, headers?: HeadersInit): HttpResponse {
  return { status, headers: headerList([], headers) };
}

/** `{"error":{"code","message"}}`, the error shape of the platform's own APIs. */
export function errorResponse(
  status: number,
  code: string,
  message: string,
  headers?: HeadersInit,
): HttpResponse {
  return json(status, { error: { code, message } }, headers);
}

export function badRequest(message = 'Bad request', code = 'BAD_REQUEST'): HttpResponse {
  return errorResponse(400, code, message);
}

export function notFound(message = 'Not found', code = 'NOT_FOUND'): HttpResponse {
  return errorResponse(404, code, message);
}
