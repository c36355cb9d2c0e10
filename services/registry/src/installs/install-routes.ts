import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses, ExtensionParam, Nullable, TENANT_PATTERN } from '../http/schemas.js';
import { scopeOf, tenantHook } from '../http/tenant-route.js';
import type { InstallService } from './install-service.js';

const Capability = Type.String({ minLength: 1, maxLength: 64 });
const EgressEntry = Type.String({ minLength: 1, maxLength: 300 });
const ConfigObject = Type.Record(Type.String(), Type.Unknown(), {
  description: 'install configuration; validated against the version’s config JSON Schema',
});

const QuotaLimit = Type.Integer({
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: '0: unlimited',
});
/** An install's four per-minute limits (docs/quotas.md). */
const Quota = Type.Object({
  invocationsPerMinute: QuotaLimit,
  cpuMsPerMinute: QuotaLimit,
  memMbMsPerMinute: QuotaLimit,
  egressBytesPerMinute: QuotaLimit,
});

export const InstallSchema = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  extension: Type.Object({ id: Type.String(), slug: Type.String() }),
  version: Type.String(),
  contentHash: Type.String(),
  status: Type.Union([Type.Literal('enabled'), Type.Literal('disabled'), Type.Literal('pending')]),
  grantedCaps: Type.Array(Type.String()),
  egress: Type.Array(Type.String()),
  config: Type.Record(Type.String(), Type.Unknown()),
  uiUrl: Nullable(Type.String()),
  quota: Quota,
  missingSecrets: Type.Array(Type.String()),
  pendingUpdate: Nullable(
    Type.Object({
      version: Type.String(),
      newCapabilities: Type.Array(Type.String()),
      newEgress: Type.Array(Type.String()),
      requestedAt: Type.String(),
    }),
  ),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  warning: Type.Optional(Type.String()),
});

export const TenantParams = Type.Object({ tenantId: Type.String({ pattern: TENANT_PATTERN }) });
export const InstallParams = Type.Object({
  tenantId: Type.String({ pattern: TENANT_PATTERN }),
  ext: ExtensionParam,
});
const tags = ['installs'];
const manage = tenantHook('manage');
const Version = Type.String({
  minLength: 1,
  maxLength: 256,
  description: 'exact version, `latest` or a SemVer range',
});
const QuotaInput = Type.Partial(Quota, {
  additionalProperties: false,
  description:
    'per-minute limits of this install; unset ones are the platform defaults; null returns to them all. Above a platform default: admin keys only',
});
const Grants = {
  grantedCaps: Type.Optional(Type.Array(Capability, { maxItems: 64 })),
  egress: Type.Optional(Type.Array(EgressEntry, { maxItems: 256 })),
  config: Type.Optional(ConfigObject),
};

/** Installs of SPEC section 5, under `/v1/tenants/{tenantId}`. */
export const installRoutes: FastifyPluginAsyncTypebox<{ installs: InstallService }> = async (
  app,
  { installs },
) => {
  app.post(
    '/v1/tenants/:tenantId/installs',
    {
      onRequest: manage,
      schema: {
        tags,
        summary:
          'Install an extension (exact version or SemVer range; grants default to the manifest’s requests)',
        params: TenantParams,
        body: Type.Object(
          { extension: ExtensionParam, version: Type.Optional(Version), ...Grants },
          { additionalProperties: false },
        ),
        response: { 201: InstallSchema, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await installs.install(scopeOf(request), request.body)),
  );

  app.get(
    '/v1/tenants/:tenantId/installs',
    {
      onRequest: manage,
      schema: {
        tags,
        summary: 'The tenant’s installs',
        params: TenantParams,
        response: { 200: Type.Object({ items: Type.Array(InstallSchema) }), ...errorResponses },
      },
    },
    async (request) => installs.list(scopeOf(request)),
  );

  app.get(
    '/v1/tenants/:tenantId/installs/:ext',
    {
      onRequest: manage,
      schema: {
        tags,
        summary: 'One install',
        params: InstallParams,
        response: { 200: InstallSchema, ...errorResponses },
      },
    },
    async (request) => installs.get(scopeOf(request), request.params.ext),
  );

  for (const action of ['enable', 'disable'] as const) {
    app.post(
      `/v1/tenants/:tenantId/installs/:ext/${action}`,
      {
        onRequest: manage,
        schema: {
          tags,
          summary:
            action === 'enable' ? 'Enable an install' : 'Disable an install (gateway calls answer 404)',
          params: InstallParams,
          response: { 200: InstallSchema, ...errorResponses },
        },
      },
      async (request) => installs[action](scopeOf(request), request.params.ext),
    );
  }

  app.post(
    '/v1/tenants/:tenantId/installs/:ext/update',
    {
      onRequest: manage,
      schema: {
        tags,
        summary:
          'Upgrade or roll back; grants beyond the current ones need `approve: true` (else 409 APPROVAL_REQUIRED)',
        params: InstallParams,
        body: Type.Object(
          { version: Version, approve: Type.Optional(Type.Boolean()), ...Grants },
          { additionalProperties: false },
        ),
        response: { 200: InstallSchema, ...errorResponses },
      },
    },
    async (request) => installs.update(scopeOf(request), request.params.ext, request.body),
  );

  app.patch(
    '/v1/tenants/:tenantId/installs/:ext',
    {
      onRequest: manage,
      schema: {
        tags,
        summary: 'Change config, grants (within the installed version’s manifest) and quotas',
        params: InstallParams,
        body: Type.Object(
          { ...Grants, quota: Type.Optional(Nullable(QuotaInput)) },
          { additionalProperties: false },
        ),
        response: { 200: InstallSchema, ...errorResponses },
      },
    },
    async (request) => installs.patch(scopeOf(request), request.params.ext, request.body),
  );

  app.delete(
    '/v1/tenants/:tenantId/installs/:ext',
    {
      onRequest: manage,
      schema: {
        tags,
        summary: 'Uninstall (its KV data, secrets and event subscriptions go with it)',
        params: InstallParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await installs.uninstall(scopeOf(request), request.params.ext);
      return reply.status(204).send(null);
    },
  );
};
