import {
  insertExecutionRows,
  isUuid,
  withTenant,
  type Database,
  type ExecutionRow,
  type ExecutionSource,
} from '@annex/db';
import type { Kysely } from 'kysely';
import type { TenantScope } from '../auth/tenant-access.js';
import type { CatalogService } from '../catalog/catalog-service.js';
import { decodeKeyset, encodeKeyset, invalidCursor } from '../catalog/cursor.js';
import { RegistryError } from '../registry-error.js';

/** One execution the registry saw (a gateway call or an event delivery). */
export type ExecutionRecord = Omit<ExecutionRow, 'source'> & { source?: ExecutionSource };

export interface ExecutionQuery {
  extension?: string;
  /** An HTTP status (`502`), a class (`5xx`), `ok` (below 400) or `error` (400 and above). */
  status?: string;
  /** Who wrote the row: `gateway`, `runner` (direct calls) or `event`. */
  source?: ExecutionSource;
  /** Deliveries of one event. */
  event?: string;
  requestId?: string;
  /** A short error code (`QUOTA_EXCEEDED`, `TIMEOUT`, …). */
  error?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}

export interface ExecutionView {
  id: string;
  requestId: string;
  eventId: string | null;
  source: ExecutionSource;
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

/** A query parameter holding an ISO 8601 timestamp; a 400 naming it when it is not one. */
export function timestamp(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  // A date first (`2026-12-04`, `2026-12-04T10:00:00Z`): Date alone would read `1` as the year 2001.
  if (!/^\d{4}-\d{2}-\d{2}(?:$|T)/.test(value) || Number.isNaN(date.getTime()))
    throw new RegistryError('BAD_REQUEST', `${name} must be an ISO 8601 timestamp`);
  return date;
}

/**
 * A gateway or dispatcher row's metrics: the runner's figures, its `duration_ms` kept as
 * `runner_duration_ms`, and `duration_ms` the whole call as the registry saw it.
 */
export function executionMetrics(
  runnerMetrics: Record<string, unknown>,
  durationMs: number,
): Record<string, unknown> {
  const { duration_ms: runnerDuration, ...runner } = runnerMetrics;
  return {
    ...runner,
    ...(runnerDuration === undefined ? {} : { runner_duration_ms: runnerDuration }),
    duration_ms: durationMs,
  };
}

/**
 * The execution log: written by the gateway, the event dispatcher and (for direct calls) the
 * runner; read by tenants (`GET /executions`), newest first, a page at a time.
 */
export function createExecutionLog(deps: { db: Kysely<Database>; catalog: CatalogService }) {
  const { db, catalog } = deps;
  return {
    async record(entry: ExecutionRecord): Promise<void> {
      await insertExecutionRows(db, [{ source: 'gateway', ...entry }]);
    },

    async list(
      scope: TenantScope,
      query: ExecutionQuery,
    ): Promise<{ items: ExecutionView[]; nextCursor: string | null }> {
      const status = query.status?.toLowerCase();
      if (status !== undefined && !STATUS_RE.test(status)) {
        throw new RegistryError(
          'BAD_REQUEST',
          'status must be an HTTP status (502), a class (5xx), ok or error',
        );
      }
      const since = timestamp('since', query.since);
      const until = timestamp('until', query.until);
      const after = query.cursor === undefined ? undefined : decodeKeyset(query.cursor, 2);
      const afterDate = after ? new Date(after[0]!) : undefined;
      // Both halves are checked: a forged id would otherwise reach the uuid column as a 500.
      if (after && (Number.isNaN(afterDate!.getTime()) || !isUuid(after[1]!))) throw invalidCursor();
      const extensionId = query.extension
        ? (await catalog.findExtension(scope.principal, query.extension)).id
        : undefined;
      const limit = query.limit ?? 50;
      return withTenant(db, scope.tenantId, async (trx) => {
        let q = trx
          .selectFrom('extension_execution_log')
          .select([
            'id',
            'request_id',
            'event_id',
            'source',
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
        if (until) q = q.where('started_at', '<', until);
        if (query.source) q = q.where('source', '=', query.source);
        if (query.event) q = q.where('event_id', '=', query.event);
        if (query.requestId) q = q.where('request_id', '=', query.requestId);
        if (query.error) q = q.where('error', '=', query.error);
        if (status === 'ok') q = q.where('status', '<', 400);
        else if (status === 'error') q = q.where('status', '>=', 400);
        else if (status?.endsWith('xx')) {
          const base = Number(status[0]) * 100;
          q = q.where('status', '>=', base).where('status', '<', base + 100);
        } else if (status) q = q.where('status', '=', Number(status));
        if (after && afterDate) {
          q = q.where((eb) => eb(eb.refTuple('started_at', 'id'), '<', eb.tuple(afterDate, after[1]!)));
        }
        const rows = await q
          .orderBy('started_at', 'desc')
          .orderBy('id', 'desc')
          .limit(limit + 1)
          .execute();
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        return {
          items: page.map((r) => ({
            id: r.id,
            requestId: r.request_id,
            eventId: r.event_id,
            source: r.source,
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
          nextCursor:
            rows.length > limit && last ? encodeKeyset([last.started_at.toISOString(), last.id]) : null,
        };
      });
    },
  };
}

export type ExecutionLog = ReturnType<typeof createExecutionLog>;
