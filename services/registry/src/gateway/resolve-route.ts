import { HTTP_METHODS } from '@annex/bundle';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses, ExtensionParam, TENANT_PATTERN } from '../http/schemas.js';
import { scopeOf, tenantHook } from '../http/tenant-route.js';
import type { GatewayService } from './gateway-service.js';

const Resolved = Type.Object({
  installId: Type.String(),
  extensionId: Type.String(),
  versionId: Type.String(),
  version: Type.String(),
  contentHash: Type.String(),
  endpoint: Type.Object({
    method: Type.String(),
    path: Type.String(),
    handler: Type.Optional(Type.String()),
  }),
  config: Type.Record(Type.String(), Type.Unknown()),
  providers: Type.Array(Type.String()),
  egress: Type.Array(Type.String()),
  secretEnvelope: Type.Object(
    { ciphertext_b64: Type.String(), key_id: Type.String() },
    { description: 'sealed for the runner; pass it unchanged as `secret_envelope`' },
  ),
  limits: Type.Object({
    timeout_ms: Type.Integer(),
    memory_mb: Type.Integer(),
    quota: Type.Object({
      invocations_per_minute: Type.Integer(),
      cpu_ms_per_minute: Type.Integer(),
      mem_mb_ms_per_minute: Type.Integer(),
      egress_bytes_per_minute: Type.Integer(),
    }),
  }),
});

/**
 * `GET /v1/tenants/{tenantId}/installs/{ext}/resolve?method=&path=`: what an external gateway sends
 * the runner for one call (SPEC section 5). Tenant keys for their own tenant, gateway keys for any.
 */
export const resolveRoute: FastifyPluginAsyncTypebox<{ gateway: GatewayService }> = async (
  app,
  { gateway },
) => {
  app.get(
    '/v1/tenants/:tenantId/installs/:ext/resolve',
    {
      onRequest: tenantHook('call'),
      schema: {
        tags: ['gateway'],
        summary: 'Resolve a call for an external gateway (404 EXTENSION_NOT_AVAILABLE or ENDPOINT_NOT_FOUND)',
        params: Type.Object({ tenantId: Type.String({ pattern: TENANT_PATTERN }), ext: ExtensionParam }),
        querystring: Type.Object(
          {
            method: Type.Union(HTTP_METHODS.map((m) => Type.Literal(m))),
            path: Type.String({ minLength: 1, maxLength: 4096, pattern: '^/' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Resolved, ...errorResponses },
      },
    },
    async (request) =>
      gateway.resolve(scopeOf(request), request.params.ext, request.query.method, request.query.path),
  );
};
