import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses, ExtensionParam, Nullable, TENANT_PATTERN } from '../http/schemas.js';
import { scopeOf, tenantHook } from '../http/tenant-route.js';
import type { ExecutionLog } from './execution-log.js';

const Execution = Type.Object({
  id: Type.String(),
  requestId: Type.String(),
  extensionId: Type.String(),
  installId: Nullable(Type.String()),
  status: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  startedAt: Type.String(),
  finishedAt: Nullable(Type.String()),
  durationMs: Nullable(Type.Number()),
  metrics: Type.Record(Type.String(), Type.Unknown()),
});

/** `GET /v1/tenants/{tenantId}/executions`: the tenant's execution log, newest first. */
export const executionRoutes: FastifyPluginAsyncTypebox<{ executions: ExecutionLog }> = async (
  app,
  { executions },
) => {
  app.get(
    '/v1/tenants/:tenantId/executions',
    {
      onRequest: tenantHook('manage'),
      schema: {
        tags: ['executions'],
        summary: 'The execution log (filters: extension, status as 502, 5xx, ok or error, since)',
        params: Type.Object({ tenantId: Type.String({ pattern: TENANT_PATTERN }) }),
        querystring: Type.Object(
          {
            extension: Type.Optional(ExtensionParam),
            status: Type.Optional(Type.String({ maxLength: 8 })),
            since: Type.Optional(Type.String({ maxLength: 64 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(Execution) }), ...errorResponses },
      },
    },
    async (request) => executions.list(scopeOf(request), request.query),
  );
};
