import { createTransport, type ClientOptions, type Transport } from './transport.js';
import type { ApiKey, Extension, Page, Role, Version, VersionDetail } from './types.js';

const seg = encodeURIComponent;

/** A typed client for the registry's API, for host apps and the `annex` CLI. */
export function createClient(options: ClientOptions) {
  const call: Transport = createTransport(options);
  return {
    call,
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
