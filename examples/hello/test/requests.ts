import type { ContextData, ExecuteRequest, HttpResponse } from '@annex/sdk';

export const testContext: ContextData = {
  requestId: 'req-1',
  tenantId: 't1',
  extensionId: '00000000-0000-4000-8000-000000000001',
  installId: '00000000-0000-4000-8000-000000000002',
  version: '1.0.0',
  contentHash: `sha256:${'0'.repeat(64)}`,
};

export function request(method: string, path: string, body?: unknown): ExecuteRequest {
  const headers: Array<[string, string]> = body === undefined ? [] : [['content-type', 'application/json']];
  const bytes =
    body === undefined
      ? undefined
      : new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
  return { context: testContext, http: { method, path, query: [], headers, body: bytes } };
}

export function bodyJson(res: HttpResponse): unknown {
  return JSON.parse(new TextDecoder().decode(res.body ?? new Uint8Array()));
}

export function headerOf(res: HttpResponse, name: string): string | undefined {
  return res.headers.find(([n]) => n === name)?.[1];
}
