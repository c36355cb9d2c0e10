import { callExtension, type GatewayCallOptions } from './gateway-call.js';
import { createTransport, type ClientOptions, type Transport } from './transport.js';
import type {
  ApiKey,
  EventDetail,
  EventInput,
  Execution,
  ExecutionQuery,
  Extension,
  Install,
  InstallInput,
  InstallPatch,
  Page,
  PublishedEvent,
  Resolved,
  Role,
  SecretList,
  UpdateInput,
  UsageWindow,
  Version,
  VersionDetail,
} from './types.js';

const seg = encodeURIComponent;

/** One tenant's installs, secrets, resolve and execution log (`/v1/tenants/{tenantId}/…`). */
function tenantApi(call: Transport, tenantId: string) {
  const base = `/v1/tenants/${seg(tenantId)}`;
  const install = (ext: string) => `${base}/installs/${seg(ext)}`;
  return {
    installs: {
      create: (input: InstallInput) => call<Install>('POST', `${base}/installs`, { body: input }),
      list: () => call<{ items: Install[] }>('GET', `${base}/installs`),
      get: (ext: string) => call<Install>('GET', install(ext)),
      enable: (ext: string) => call<Install>('POST', `${install(ext)}/enable`),
      disable: (ext: string) => call<Install>('POST', `${install(ext)}/disable`),
      /** Upgrade or rollback; 409 APPROVAL_REQUIRED (details: version, capabilities, egress) unless `approve`. */
      update: (ext: string, input: UpdateInput) =>
        call<Install>('POST', `${install(ext)}/update`, { body: input }),
      patch: (ext: string, input: InstallPatch) => call<Install>('PATCH', install(ext), { body: input }),
      uninstall: (ext: string) => call<void>('DELETE', install(ext)),
    },
    secrets: {
      /** Write-only: sets the named values (`null` removes one); answers names and versions. */
      set: (ext: string, values: Record<string, string | null>) =>
        call<SecretList>('PUT', `${install(ext)}/secrets`, { body: values }),
      list: (ext: string) => call<SecretList>('GET', `${install(ext)}/secrets`),
      remove: (ext: string, name: string) => call<void>('DELETE', `${install(ext)}/secrets/${seg(name)}`),
    },
    /** What an external gateway sends the runner for `method path`. */
    resolve: (ext: string, request: { method: string; path: string }) =>
      call<Resolved>('GET', `${install(ext)}/resolve`, { query: request }),
    executions: {
      /** Newest first; pass `nextCursor` back as `cursor` for the next page. */
      list: (query: ExecutionQuery = {}) =>
        call<{ items: Execution[]; nextCursor: string | null }>('GET', `${base}/executions`, { query }),
    },
    events: {
      /** Posts an event for this tenant's subscribed installs (docs/events.md). */
      publish: (input: EventInput) => call<PublishedEvent>('POST', `${base}/events`, { body: input }),
      /** An event with its deliveries and their status. */
      get: (id: string) => call<EventDetail>('GET', `${base}/events/${seg(id)}`),
    },
    /** Quota usage per extension and minute, newest first. */
    usage: (query: { extension?: string; since?: string; limit?: number } = {}) =>
      call<{ items: UsageWindow[] }>('GET', `${base}/usage`, { query }),
  };
}

/** A typed client for the registry's API, for host apps and the `annex` CLI. */
export function createClient(options: ClientOptions) {
  const call: Transport = createTransport(options);
  return {
    call,
    /** Installs, secrets, resolve and executions of one tenant. */
    tenant: (tenantId: string) => tenantApi(call, tenantId),
    events: {
      /** Posts an event for a tenant (a gateway key posts for any tenant): `client.tenant(t).events` for one. */
      publish: (tenantId: string, input: EventInput) => tenantApi(call, tenantId).events.publish(input),
      get: (tenantId: string, id: string) => tenantApi(call, tenantId).events.get(id),
    },
    /** Calls an extension through the gateway (`/api/ext/{ext}/{path}`). */
    callExtension: (ext: string, path: string, request?: GatewayCallOptions) =>
      callExtension(options, ext, path, request),
    apiKeys: {
      create: (input: { role: Role; publishers?: string[]; tenantId?: string; name?: string }) =>
        call<ApiKey & { key: string }>('POST', '/v1/api-keys', { body: input }),
      list: () => call<{ items: ApiKey[] }>('GET', '/v1/api-keys'),
      revoke: (id: string) => call<void>('DELETE', `/v1/api-keys/${seg(id)}`),
    },
    extensions: {
      create: (input: { publisher: string; name: string; displayName?: string; description?: string }) =>
        call<Extension>('POST', '/v1/extensions', { body: input }),
      list: (
        query: {
          q?: string;
          publisher?: string;
          limit?: number;
          cursor?: string;
          deprecated?: 'include' | 'exclude' | 'only';
        } = {},
      ) => call<Page<Extension>>('GET', '/v1/extensions', { query }),
      get: (ext: string) => call<Extension>('GET', `/v1/extensions/${seg(ext)}`),
      versions: (ext: string) => call<{ items: Version[] }>('GET', `/v1/extensions/${seg(ext)}/versions`),
      version: (ext: string, version = 'latest') =>
        call<VersionDetail>('GET', `/v1/extensions/${seg(ext)}/versions/${seg(version)}`),
      deprecate: (ext: string, input: { reason: string; replacement?: string }) =>
        call<Extension>('POST', `/v1/extensions/${seg(ext)}/deprecate`, { body: input }),
      undeprecate: (ext: string) => call<Extension>('DELETE', `/v1/extensions/${seg(ext)}/deprecate`),
      yank: (ext: string, version: string, reason: string) =>
        call<Version & { yankReason: string | null }>(
          'POST',
          `/v1/extensions/${seg(ext)}/versions/${seg(version)}/yank`,
          {
            body: { reason },
          },
        ),
      unyank: (ext: string, version: string) =>
        call<Version>('DELETE', `/v1/extensions/${seg(ext)}/versions/${seg(version)}/yank`),
    },
  };
}

export type AnnexClient = ReturnType<typeof createClient>;
