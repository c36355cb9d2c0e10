import { forwardedRequestHeaders } from './header-allowlists.js';
import type { InstallTarget } from './install-target.js';
import type { ExecuteEnvelope } from './runner-client.js';

/** One call for a guest, as the gateway or the event dispatcher hands it over. */
export interface GuestRequest {
  requestId: string;
  method: string;
  /** The path below `/api/ext/{ext}`, as sent (still percent-encoded), `/` at least. */
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | undefined;
  /** Event deliveries: the tenant's event id. */
  eventId?: string;
}

/**
 * The runner envelope (SPEC section 6) for a call to an install: the gateway's and the event
 * dispatcher's one way to build it. Only allowlisted request headers reach the guest; callers that
 * add their own (events) do so after this.
 */
export function executeEnvelope(found: InstallTarget, request: GuestRequest): ExecuteEnvelope {
  return {
    context: {
      request_id: request.requestId,
      tenant_id: found.tenantId,
      extension_id: found.extensionId,
      install_id: found.installId,
      version_id: found.versionId,
      version: found.version,
      content_hash: found.contentHash,
      config: found.config,
      ...(request.eventId === undefined ? {} : { event_id: request.eventId }),
    },
    http: {
      method: request.method,
      path: request.path,
      query: request.query,
      headers: forwardedRequestHeaders(request.headers, request.requestId),
      body_b64: request.body && request.body.length > 0 ? request.body.toString('base64') : null,
    },
    limits: found.limits,
    providers: found.providers,
    egress: found.egress,
    secret_envelope: found.secretEnvelope,
  };
}
