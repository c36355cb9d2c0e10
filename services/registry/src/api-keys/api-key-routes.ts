import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { adminOnly } from '../http/require-role.js';
import { errorResponses, Nullable, PUBLISHER_PATTERN, TENANT_PATTERN } from '../http/schemas.js';
import type { ApiKeyService } from './api-key-service.js';

const Role = Type.Union([
  Type.Literal('admin'),
  Type.Literal('publisher'),
  Type.Literal('tenant'),
  Type.Literal('gateway'),
]);
const KeyView = Type.Object({
  id: Type.String(),
  role: Role,
  publishers: Type.Optional(Type.Array(Type.String())),
  tenantId: Type.Optional(Type.String()),
  name: Nullable(Type.String()),
  createdAt: Type.String(),
  revokedAt: Nullable(Type.String()),
});

/** `POST/GET/DELETE /v1/api-keys` (SPEC section 10): admins only. */
export const apiKeyRoutes: FastifyPluginAsyncTypebox<{ apiKeys: ApiKeyService }> = async (
  app,
  { apiKeys },
) => {
  app.post(
    '/v1/api-keys',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key (the key is shown only in this answer)',
        body: Type.Object(
          {
            role: Role,
            publishers: Type.Optional(
              Type.Array(Type.String({ pattern: PUBLISHER_PATTERN }), { minItems: 1, maxItems: 100 }),
            ),
            tenantId: Type.Optional(Type.String({ pattern: TENANT_PATTERN })),
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Intersect([KeyView, Type.Object({ key: Type.String() })]), ...errorResponses },
      },
    },
    async (request, reply) => {
      return reply.status(201).send(await apiKeys.create(request.body));
    },
  );

  app.get(
    '/v1/api-keys',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['api-keys'],
        summary: 'List API keys (never the keys themselves)',
        response: { 200: Type.Object({ items: Type.Array(KeyView) }), ...errorResponses },
      },
    },
    async () => ({ items: await apiKeys.list() }),
  );

  app.delete(
    '/v1/api-keys/:id',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await apiKeys.revoke(request.params.id);
      return reply.status(204).send(null);
    },
  );
};
