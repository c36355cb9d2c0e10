import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { withTenant, type Database } from '@annex/db';
import type { Kysely } from 'kysely';
import Type from 'typebox';
import type { CatalogService } from '../catalog/catalog-service.js';
import { errorResponses, ExtensionParam, TENANT_PATTERN } from '../http/schemas.js';
import { scopeOf, tenantHook } from '../http/tenant-route.js';
import { timestamp } from './execution-log.js';

const UsageWindow = Type.Object({
  extensionId: Type.String(),
  windowStart: Type.String(),
  invocations: Type.Integer(),
  cpuMs: Type.Integer(),
  memMbMs: Type.Integer(),
  egressBytes: Type.Integer(),
});

/**
 * `GET /v1/tenants/{tenantId}/usage`: the tenant's quota usage per extension and minute, newest
 * first (what the runner counted against the quotas; refused calls are invocations too).
 */
export const usageRoutes: FastifyPluginAsyncTypebox<{
  db: Kysely<Database>;
  catalog: CatalogService;
}> = async (app, { db, catalog }) => {
  app.get(
    '/v1/tenants/:tenantId/usage',
    {
      onRequest: tenantHook('manage'),
      schema: {
        tags: ['executions'],
        summary: 'Quota usage per extension and minute, newest first (filters: extension, since)',
        params: Type.Object({ tenantId: Type.String({ pattern: TENANT_PATTERN }) }),
        querystring: Type.Object(
          {
            extension: Type.Optional(ExtensionParam),
            since: Type.Optional(Type.String({ maxLength: 64 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, default: 60 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(UsageWindow) }), ...errorResponses },
      },
    },
    async (request) => {
      const scope = scopeOf(request);
      const { extension, since, limit = 60 } = request.query;
      const from = timestamp('since', since);
      const extensionId = extension
        ? (await catalog.findExtension(scope.principal, extension)).id
        : undefined;
      const rows = await withTenant(db, scope.tenantId, (trx) => {
        let q = trx.selectFrom('extension_quota_usage').selectAll();
        if (extensionId) q = q.where('extension_id', '=', extensionId);
        if (from) q = q.where('window_start', '>=', from);
        return q.orderBy('window_start', 'desc').orderBy('extension_id').limit(limit).execute();
      });
      return {
        items: rows.map((r) => ({
          extensionId: r.extension_id,
          windowStart: r.window_start.toISOString(),
          invocations: Number(r.invocations),
          cpuMs: Number(r.cpu_ms),
          memMbMs: Number(r.mem_mb_ms),
          egressBytes: Number(r.egress_bytes),
        })),
      };
    },
  );
};
