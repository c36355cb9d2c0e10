/**
 * The retention purge (EXT_EXECUTION_LOG_RETENTION_DAYS): execution log rows, quota usage windows
 * and received events older than the retention are deleted every hour, in bounded batches so no
 * statement holds locks for long. Every registry instance runs it; deletes are idempotent.
 */
import { withSystem, type Database } from '@annex/db';
import type { FastifyBaseLogger } from 'fastify';
import { sql, type Kysely } from 'kysely';

const DAY_MS = 24 * 3600 * 1000;
const HOUR_MS = 3600 * 1000;
const BATCH = 5000;

const TABLES = [
  { table: 'extension_execution_log', column: 'started_at' },
  { table: 'extension_quota_usage', column: 'window_start' },
  { table: 'extension_event', column: 'received_at' },
] as const;

export type PurgeCounts = Record<(typeof TABLES)[number]['table'], number>;

export async function purgeExpired(
  db: Kysely<Database>,
  retentionDays: number,
  now = Date.now(),
): Promise<PurgeCounts> {
  const cutoff = new Date(now - retentionDays * DAY_MS);
  const counts = {} as PurgeCounts;
  for (const { table, column } of TABLES) {
    let total = 0;
    for (;;) {
      // ctid batches: PostgreSQL has no DELETE … LIMIT.
      const result = await withSystem(db, (trx) =>
        sql`delete from ${sql.table(table)} where ctid in (
              select ctid from ${sql.table(table)} where ${sql.ref(column)} < ${cutoff} limit ${BATCH})`.execute(
          trx,
        ),
      );
      const deleted = Number(result.numAffectedRows ?? 0);
      total += deleted;
      if (deleted < BATCH) break;
    }
    counts[table] = total;
  }
  return counts;
}

/** Purges at start and every hour until closed. */
export function startRetentionPurge(options: {
  db: Kysely<Database>;
  retentionDays: number;
  log: FastifyBaseLogger;
  intervalMs?: number;
}): { close(): Promise<void> } {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= purgeExpired(options.db, options.retentionDays)
      .then((counts) => {
        if (Object.values(counts).some((n) => n > 0)) options.log.info({ purged: counts }, 'retention purge');
      })
      .catch((err: unknown) =>
        options.log.warn({ err }, 'retention purge failed; retrying at the next interval'),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const first = setTimeout(run, 1000);
  const timer = setInterval(run, options.intervalMs ?? HOUR_MS);
  first.unref();
  timer.unref();
  return {
    async close() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
