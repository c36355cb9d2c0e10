import { SECRET_NAME_PATTERN } from '@annex/bundle';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses, ExtensionParam, TENANT_PATTERN } from '../http/schemas.js';
import { scopeOf, tenantHook } from '../http/tenant-route.js';
import type { SecretService } from './secret-service.js';

const MAX_SECRET_BYTES = 64 * 1024;
/**
 * A value, or null to remove the secret. One `type` list rather than `anyOf`: with the server's type
 * coercion, `anyOf` would turn null into "" (or "" into null) before the handler sees it.
 */
const SecretValue = Type.Unsafe<string | null>({ type: ['string', 'null'], maxLength: MAX_SECRET_BYTES });
const SecretList = Type.Object({
  items: Type.Array(
    Type.Object({
      name: Type.String(),
      version: Type.Integer(),
      createdAt: Type.String(),
      updatedAt: Type.String(),
    }),
  ),
  missing: Type.Array(Type.String(), {
    description: 'required secrets of the installed version not set yet',
  }),
});
const InstallParams = Type.Object({
  tenantId: Type.String({ pattern: TENANT_PATTERN }),
  ext: ExtensionParam,
});
const tags = ['secrets'];
const manage = tenantHook('manage');

/** Install secrets (SPEC section 5): write-only; values are never answered, logged or echoed in errors. */
export const secretRoutes: FastifyPluginAsyncTypebox<{ secrets: SecretService }> = async (
  app,
  { secrets },
) => {
  app.put(
    '/v1/tenants/:tenantId/installs/:ext/secrets',
    {
      onRequest: manage,
      schema: {
        tags,
        summary:
          'Set secrets (`{"NAME":"value"}`; `null` removes one); names must be declared by the manifest',
        params: InstallParams,
        body: Type.Record(Type.String({ pattern: SECRET_NAME_PATTERN }), SecretValue, {
          additionalProperties: false,
          minProperties: 1,
          maxProperties: 256,
        }),
        response: { 200: SecretList, ...errorResponses },
      },
    },
    async (request) => secrets.put(scopeOf(request), request.params.ext, request.body),
  );

  app.get(
    '/v1/tenants/:tenantId/installs/:ext/secrets',
    {
      onRequest: manage,
      schema: {
        tags,
        summary: 'Secret names, versions and timestamps (never values)',
        params: InstallParams,
        response: { 200: SecretList, ...errorResponses },
      },
    },
    async (request) => secrets.list(scopeOf(request), request.params.ext),
  );

  app.delete(
    '/v1/tenants/:tenantId/installs/:ext/secrets/:name',
    {
      onRequest: manage,
      schema: {
        tags,
        summary: 'Remove one secret',
        params: Type.Object({
          tenantId: Type.String({ pattern: TENANT_PATTERN }),
          ext: ExtensionParam,
          name: Type.String({ pattern: SECRET_NAME_PATTERN }),
        }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await secrets.remove(scopeOf(request), request.params.ext, request.params.name);
      return reply.status(204).send(null);
    },
  );
};
