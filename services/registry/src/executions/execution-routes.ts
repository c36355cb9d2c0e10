import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses, ExtensionParam, Nullable, TENANT_PATTERN } from '../http/schemas.js';
import { scopeOf, tenantHook } from '../http/tenant-route.js';
import type { ExecutionLog } from './execution-log.js';

const Source = Type.Union([Type.Literal('gateway'), Type.Literal('runner'), Type.Literal('event')]);
const Execution = Type.Object({
  id: Type.String(),
  requestId: Type.String(),
  eventId: Nullable(Type.String()),
  source: Source,
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
        summary:
          'The execution log, newest first (filters: extension, status as 502, 5xx, ok or error, source, event, requestId, error, since, until; `cursor` pages on)',
        params: Type.Object({ tenantId: Type.String({ pattern: TENANT_PATTERN }) }),
        querystring: Type.Object(
          {
            extension: Type.Optional(ExtensionParam),
            status: Type.Optional(Type.String({ maxLength: 8 })),
            source: Type.Optional(Source),
            event: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            requestId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            error: Type.Optional(Type.String({ pattern: '^[A-Z0-9_]{1,64}$' })),
            since: Type.Optional(Type.String({ maxLength: 64 })),
            until: Type.Optional(Type.String({ maxLength: 64 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
            cursor: Type.Optional(Type.String({ maxLength: 512 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(Execution), nextCursor: Nullable(Type.String()) }),
          ...errorResponses,
        },
      },
    },
    async (request) => executions.list(scopeOf(request), request.query),
  );
};
