import { AnnexNetworkError } from './api-error.js';
import type { ClientOptions } from './transport.js';
import type { GatewayResponse } from './types.js';

export interface GatewayCallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** For gateway keys: the tenant the call acts for (`x-tenant-id`). */
  tenantId?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  body?: string | Uint8Array;
  timeoutMs?: number;
}

/**
 * `/api/ext/{ext}/{path}`: calls an extension endpoint. Answers whatever came back, the guest's
 * status included: an error of the platform (404 EXTENSION_NOT_AVAILABLE, 429, 502 …) has the
 * `{"error":{…}}` shape, the guest's own answers are the guest's.
 */
export async function callExtension(
  options: ClientOptions,
  ext: string,
  path: string,
  call: GatewayCallOptions = {},
): Promise<GatewayResponse> {
  const base = options.baseUrl.replace(/\/+$/, '');
  const suffix = path === '' || path === '/' ? '' : path.startsWith('/') ? path : `/${path}`;
  const url = new URL(`${base}/api/ext/${encodeURIComponent(ext)}${suffix}`);
  for (const [key, value] of Object.entries(call.query ?? {})) url.searchParams.set(key, value);
  const headers: Record<string, string> = { ...options.headers, ...call.headers };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  if (call.tenantId) headers['x-tenant-id'] = call.tenantId;
  let response: Response;
  try {
    response = await fetch(url, {
      method: call.method ?? 'GET',
      headers,
      ...(call.body === undefined ? {} : { body: call.body as BodyInit }),
      signal: AbortSignal.timeout(call.timeoutMs ?? options.timeoutMs ?? 30_000),
    });
  } catch (err) {
    throw new AnnexNetworkError(url.toString(), err);
  }
  return {
    status: response.status,
    headers: response.headers,
    body: new Uint8Array(await response.arrayBuffer()),
    requestId: response.headers.get('x-request-id'),
  };
}
