import { HttpError } from './http-error.js';
import type { ExecuteRequest, HttpRequest } from './wit-types.js';

type AnyRequest = ExecuteRequest | HttpRequest;

const decoder = new TextDecoder();

const httpOf = (req: AnyRequest): HttpRequest => ('http' in req ? req.http : req);

/** First value of a request header, case-insensitively. */
export function header(req: AnyRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return httpOf(req).headers.find(([n]) => n.toLowerCase() === wanted)?.[1];
}

/** First value of a query parameter. */
export function queryParam(req: AnyRequest, name: string): string | undefined {
  return httpOf(req).query.find(([n]) => n === name)?.[1];
}

/** Every value of a query parameter, in request order. */
export function queryParams(req: AnyRequest, name: string): string[] {
  return httpOf(req)
    .query.filter(([n]) => n === name)
    .map(([, value]) => value);
}

/** The body as UTF-8 text; `''` when there is none. */
export function readText(req: AnyRequest): string {
  const body = httpOf(req).body;
  return body ? decoder.decode(body) : '';
}

/** The body parsed as JSON; throws HttpError 400 when it is missing or not JSON. */
export function readJson<T = unknown>(req: AnyRequest): T {
  const body = httpOf(req).body;
  if (!body || body.length === 0) throw new HttpError(400, 'BAD_REQUEST', 'Expected a JSON body');
  try {
    return JSON.parse(decoder.decode(body)) as T;
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'The body is not valid JSON');
  }
}
