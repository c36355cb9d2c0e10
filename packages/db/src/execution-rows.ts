import type { Kysely } from 'kysely';
import type { Database, ExecutionSource } from './schema.js';
import { json, withSystem } from './tenant-scope.js';

/** One row of `extension_execution_log`, as the gateway, the runner and the event dispatcher write it. */
export interface ExecutionRow {
  tenantId: string;
  extensionId: string;
  installId: string | null;
  requestId: string;
  eventId?: string | null;
  source: ExecutionSource;
  startedAt: Date;
  finishedAt: Date;
  /** The HTTP status answered (the guest's when it answered). */
  status: number;
  /** `duration_ms`, and memory, egress and cold start when a guest ran. */
  metrics: Record<string, unknown>;
  /** A short error code; null when the guest answered, whatever its status. */
  error: string | null;
}

/**
 * Writes execution rows in one statement. The rows may belong to several tenants (a batch from the
 * runner), so this is a system transaction; every row names its tenant, and readers go through
 * tenant transactions.
 */
export async function insertExecutionRows(
  db: Kysely<Database>,
  rows: readonly ExecutionRow[],
): Promise<void> {
  if (rows.length === 0) return;
  await withSystem(db, (trx) =>
    trx
      .insertInto('extension_execution_log')
      .values(
        rows.map((row) => ({
          tenant_id: row.tenantId,
          extension_id: row.extensionId,
          install_id: row.installId,
          request_id: row.requestId,
          event_id: row.eventId ?? null,
          source: row.source,
          started_at: row.startedAt,
          finished_at: row.finishedAt,
          status: row.status,
          metrics: json(row.metrics),
          error: row.error,
        })),
      )
      .execute(),
  );
}
