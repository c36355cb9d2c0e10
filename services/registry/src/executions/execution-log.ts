import { json, withTenant, type Database } from '@annex/db';
import type { Kysely } from 'kysely';
import type { TenantScope } from '../auth/tenant-access.js';
import type { CatalogService } from '../catalog/catalog-service.js';
import { RegistryError } from '../registry-error.js';

/** One gateway call, written to `extension_execution_log` once it is answered. */
export interface ExecutionRecord {
  tenantId: string;
  extensionId: string;
  installId: string;
  requestId: string;
  startedAt: Date;
  finishedAt: Date;
  status: number;
  /** `duration_ms` (measured by the gateway), `endpoint`, and the runner's metrics when it answered. */
  metrics: Record<string, unknown>;
  /** The error code the gateway answered with; null when the guest answered (whatever its status). */
  error: string | null;
}

export interface ExecutionQuery {
  extension?: string;
  /** An HTTP status (`502`), a class (`5xx`), `ok` (below 400) or `error` (400 and above). */
  status?: string;
  since?: string;
  limit?: number;
}

export interface ExecutionView {
  id: string;
  requestId: string;
  extensionId: string;
  installId: string | null;
  status: number | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  metrics: Record<string, unknown>;
}

const STATUS_RE = /^(?:[1-5]\d\d|[1-5]xx|ok|error)$/;

/** The execution log: written by the gateway, read by tenants (`GET /executions`). */
export function createExecutionLog(deps: { db: Kysely<Database>; catalog: CatalogService }) {
  const { db, catalog } = deps;
  return {
    async record(entry: ExecutionRecord): Promise<void> {
      await withTenant(db, entry.tenantId, (trx) =>
        trx
          .insertInto('extension_execution_log')
          .values({
            tenant_id: entry.tenantId,
            extension_id: entry.extensionId,
            install_id: entry.installId,
            request_id: entry.requestId,
            event_id: null,
            started_at: entry.startedAt,
            finished_at: entry.finishedAt,
            status: entry.status,
            metrics: json(entry.metrics),
            error: entry.error,
          })
          .execute(),
      );
    },

    /** Newest first. */
    async list(scope: TenantScope, query: ExecutionQuery): Promise<{ items: ExecutionView[] }> {
      const status = query.status?.toLowerCase();
      if (status !== undefined && !STATUS_RE.test(status)) {
        throw new RegistryError(
          'BAD_REQUEST',
          'status must be an HTTP status (502), a class (5xx), ok or error',
        );
      }
      let since: Date | undefined;
      if (query.since !== undefined) {
        since = new Date(query.since);
        if (Number.isNaN(since.getTime())) {
          throw new RegistryError('BAD_REQUEST', 'since must be an ISO 8601 timestamp');
        }
      }
      const extensionId = query.extension
        ? (await catalog.findExtension(scope.principal, query.extension)).id
        : undefined;
      return withTenant(db, scope.tenantId, async (trx) => {
        let q = trx
          .selectFrom('extension_execution_log')
          .select([
            'id',
            'request_id',
            'extension_id',
            'install_id',
            'status',
            'error',
            'started_at',
            'finished_at',
            'metrics',
          ]);
        if (extensionId) q = q.where('extension_id', '=', extensionId);
        if (since) q = q.where('started_at', '>=', since);
        if (status === 'ok') q = q.where('status', '<', 400);
        else if (status === 'error') q = q.where('status', '>=', 400);
        else if (status?.endsWith('xx')) {
          const base = Number(status[0]) * 100;
          q = q.where('status', '>=', base).where('status', '<', base + 100);
        } else if (status) q = q.where('status', '=', Number(status));
        const rows = await q
          .orderBy('started_at', 'desc')
          .orderBy('id')
          .limit(query.limit ?? 50)
          .execute();
        return {
          items: rows.map((r) => ({
            id: r.id,
            requestId: r.request_id,
            extensionId: r.extension_id,
            installId: r.install_id,
            status: r.status,
            error: r.error,
            startedAt: r.started_at.toISOString(),
            finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
            durationMs:
              typeof r.metrics.duration_ms === 'number'
                ? r.metrics.duration_ms
                : r.finished_at
                  ? r.finished_at.getTime() - r.started_at.getTime()
                  : null,
            metrics: r.metrics,
          })),
        };
      });
    },
  };
}

export type ExecutionLog = ReturnType<typeof createExecutionLog>;
