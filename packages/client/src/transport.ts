import { AnnexApiError, AnnexNetworkError } from './api-error.js';

export interface ClientOptions {
  /** Registry base URL, e.g. http://localhost:8080 */
  baseUrl: string;
  /** API key sent as `Authorization: Bearer`. */
  apiKey?: string;
  /** Per-request timeout; default 30 s. */
  timeoutMs?: number;
  /** Extra headers on every request (e.g. `x-tenant-id` for gateway keys). */
  headers?: Record<string, string>;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw body (bytes or a stream) instead of JSON. */
  rawBody?: BodyInit;
  timeoutMs?: number;
}

export type Transport = <T>(method: string, path: string, options?: RequestOptions) => Promise<T>;

/** One fetch wrapper: JSON in and out, the registry's error shape turned into AnnexApiError. */
export function createTransport(options: ClientOptions): Transport {
  const base = options.baseUrl.replace(/\/+$/, '');
  return async <T>(method: string, path: string, request: RequestOptions = {}): Promise<T> => {
    const url = new URL(`${base}${path}`);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { ...options.headers, ...request.headers };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    let body: BodyInit | undefined = request.rawBody;
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.body);
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(request.timeoutMs ?? options.timeoutMs ?? 30_000),
        ...(body && typeof (body as ReadableStream).getReader === 'function' ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (err) {
      throw new AnnexNetworkError(url.toString(), err);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (
        parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } }
      )?.error;
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new AnnexApiError(
        response.status,
        error?.code ?? `HTTP_${response.status}`,
        error?.message ?? `${method} ${path} answered HTTP ${response.status}`,
        error?.details,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
      );
    }
    return parsed as T;
  };
}
