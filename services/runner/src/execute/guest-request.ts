import type { ContextData, ExecuteRequest, FieldList, UserData } from '@annex/sdk';
import type { ExecuteEnvelope } from './execute-schema.js';

/** `sha256:<64 lowercase hex>` whatever spelling the envelope used (bare hex, upper case). */
export function normalizeContentHash(text: string): string {
  const hex = text.toLowerCase().replace(/^sha256:/, '');
  return `sha256:${hex}`;
}

export function contextData(envelope: ExecuteEnvelope): ContextData {
  const c = envelope.context;
  return {
    requestId: c.request_id,
    tenantId: c.tenant_id,
    extensionId: c.extension_id,
    installId: c.install_id,
    version: c.version,
    contentHash: normalizeContentHash(c.content_hash),
  };
}

export function userData(envelope: ExecuteEnvelope): UserData | undefined {
  const u = envelope.user;
  if (!u) return undefined;
  return {
    userId: u.user_id,
    userEmail: u.user_email ?? undefined,
    userName: u.user_name ?? undefined,
    userType: u.user_type ?? undefined,
  };
}

/** Name/value pairs in the envelope's order; an array value gives one pair per element. */
function fieldList(
  values: Record<string, string | string[]> | null | undefined,
  lowerNames: boolean,
): FieldList {
  const list: FieldList = [];
  for (const [rawName, value] of Object.entries(values ?? {})) {
    const name = lowerNames ? rawName.toLowerCase() : rawName;
    for (const v of Array.isArray(value) ? value : [value]) list.push([name, v]);
  }
  return list;
}

/** The decoded request body, or undefined when the envelope carries none (`null` or absent). */
export function requestBody(envelope: ExecuteEnvelope): Uint8Array | undefined {
  const b64 = envelope.http.body_b64;
  if (b64 === null || b64 === undefined) return undefined;
  // A copy in its own ArrayBuffer (Buffer.from may slice a shared pool), so it can be transferred.
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

/** What `handler.handle` receives (SPEC section 10 records). */
export function guestRequest(envelope: ExecuteEnvelope, body: Uint8Array | undefined): ExecuteRequest {
  return {
    context: contextData(envelope),
    http: {
      method: envelope.http.method.toUpperCase(),
      path: envelope.http.path,
      query: fieldList(envelope.http.query, false),
      headers: fieldList(envelope.http.headers, true),
      body,
    },
  };
}
