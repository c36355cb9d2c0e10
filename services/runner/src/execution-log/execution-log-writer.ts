/**
 * The runner's share of the execution log: a row for every execution the caller does not record
 * itself (direct calls to /v1/execute; the registry's gateway and event dispatcher say
 * `x-annex-recorded-by: caller` and write their own). Rows are written in batches, off the
 * request path; a failed write is retried with the next batch, up to a bound.
 */
import { insertExecutionRows, isUuid, type Database, type ExecutionRow } from '@annex/db';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { ExecutionObserver } from '../execute/execution-outcome.js';
import { PeriodicFlush } from '../persistence/periodic-flush.js';

const MAX_BATCH = 500;
/** Rows kept while the database is away; beyond it the oldest are dropped (and counted in a log line). */
const MAX_BACKLOG = 50_000;

export class ExecutionLogWriter {
  private queue: ExecutionRow[] = [];
  /** Rows dropped from a full backlog since the last flush said so. */
  private dropped = 0;
  private readonly flusher: PeriodicFlush;
  private skippedForeignIds = false;

  constructor(private readonly options: { db: Kysely<Database>; flushMs: number; log: FastifyBaseLogger }) {
    this.flusher = new PeriodicFlush(() => this.write(), options.flushMs);
  }

  readonly observer: ExecutionObserver = (outcome) => {
    if (outcome.recordedByCaller) return;
    const { context } = outcome.envelope;
    // The log keys rows on catalog ids; a caller with its own ids has its executions in metrics only.
    if (!isUuid(context.extension_id)) {
      if (!this.skippedForeignIds) {
        this.options.log.warn('executions with extension ids outside the catalog are not written to the log');
        this.skippedForeignIds = true;
      }
      return;
    }
    this.queue.push({
      tenantId: context.tenant_id,
      extensionId: context.extension_id,
      installId: isUuid(context.install_id) ? context.install_id : null,
      requestId: context.request_id,
      eventId: context.event_id ?? null,
      source: 'runner',
      startedAt: outcome.startedAt,
      finishedAt: outcome.finishedAt,
      status: outcome.guestStatus ?? outcome.httpStatus,
      metrics: {
        duration_ms: outcome.durationMs,
        memory_bytes: outcome.memoryBytes,
        egress_bytes: outcome.egressBytes,
        cold: outcome.cold,
      },
      error: outcome.outcome === 'ok' ? null : outcome.outcome,
    });
    if (this.queue.length > MAX_BACKLOG) {
      // The batch being written is out of the queue already, so only unwritten rows are dropped.
      this.dropped += this.queue.length - MAX_BACKLOG;
      this.queue.splice(0, this.queue.length - MAX_BACKLOG);
    }
    if (this.queue.length >= MAX_BATCH) void this.flush();
  };

  /** Writes what is queued; concurrent calls share one write. */
  flush(): Promise<void> {
    return this.flusher.flush();
  }

  /** The last flush; rows it could not write are lost, and said so. */
  async close(): Promise<void> {
    await this.flusher.close();
    if (this.queue.length > 0) {
      this.options.log.error(
        { rows: this.queue.length },
        'execution log rows lost at shutdown: the database did not take them',
      );
    }
  }

  private async write(): Promise<void> {
    if (this.dropped > 0) {
      this.options.log.error({ dropped: this.dropped }, 'execution log backlog full: oldest rows dropped');
      this.dropped = 0;
    }
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        await insertExecutionRows(this.options.db, batch);
      } catch (err) {
        this.queue.unshift(...batch); // first again at the next flush
        this.options.log.error({ err, rows: batch.length }, 'execution log rows not written; retrying');
        return;
      }
    }
  }
}
