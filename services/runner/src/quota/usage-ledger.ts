/**
 * Quota usage per tenant, extension and minute window, shared across runner instances through
 * `extension_quota_usage`. Calls add to this process's pending deltas at once; a flush (every
 * `flushMs`, and on close) adds them to the rows in one upsert and reads back the totals, which
 * include every other instance's flushed usage. So a limit holds across instances to within one
 * flush interval, and a single instance counts exactly.
 */
import { isUuid, withSystem, type Database } from '@annex/db';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { addUsage, isZero, USAGE_FIELDS, zeroUsage, type Usage } from './usage.js';
import { PeriodicFlush } from '../persistence/periodic-flush.js';
import { WINDOW_MS } from './quota-window.js';

interface WindowEntry {
  tenantId: string;
  extensionId: string;
  windowStart: number;
  /** The row's totals as last read (our flushed deltas included). */
  persisted: Usage;
  /** Not yet flushed. */
  pending: Usage;
  loading?: Promise<void>;
}

export interface UsageLedgerOptions {
  db: Kysely<Database>;
  flushMs: number;
  log: FastifyBaseLogger;
}

export class UsageLedger {
  private readonly entries = new Map<string, WindowEntry>();
  private readonly flusher: PeriodicFlush;

  constructor(private readonly options: UsageLedgerOptions) {
    this.flusher = new PeriodicFlush(() => this.write(), options.flushMs);
  }

  /** Usage of the window so far, this process's unflushed part included. */
  async total(tenantId: string, extensionId: string, windowStart: number): Promise<Usage> {
    const entry = this.entry(tenantId, extensionId, windowStart);
    if (entry.loading) await entry.loading;
    const total = zeroUsage();
    addUsage(total, entry.persisted);
    addUsage(total, entry.pending);
    return total;
  }

  add(tenantId: string, extensionId: string, windowStart: number, delta: Partial<Usage>): void {
    addUsage(this.entry(tenantId, extensionId, windowStart).pending, delta);
  }

  /** Writes every pending delta in one statement; concurrent calls share one flush. */
  flush(): Promise<void> {
    return this.flusher.flush();
  }

  /** The last flush, after every window still loading (a flush skips those); what it cannot write is said. */
  async close(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.loading));
    await this.flusher.close();
    const unwritten = [...this.entries.values()].filter((e) => !isZero(e.pending) && isUuid(e.extensionId));
    if (unwritten.length > 0) {
      this.options.log.error(
        { windows: unwritten.length },
        'quota usage lost at shutdown: the database did not take it',
      );
    }
  }

  private entry(tenantId: string, extensionId: string, windowStart: number): WindowEntry {
    const key = `${tenantId}\0${extensionId}\0${windowStart}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { tenantId, extensionId, windowStart, persisted: zeroUsage(), pending: zeroUsage() };
      this.entries.set(key, entry);
      // Usage other instances already wrote for this window; ids outside the catalog have no rows.
      if (isUuid(extensionId)) entry.loading = this.load(entry);
    }
    return entry;
  }

  private async load(entry: WindowEntry): Promise<void> {
    try {
      const row = await withSystem(this.options.db, (trx) =>
        trx
          .selectFrom('extension_quota_usage')
          .selectAll()
          .where('tenant_id', '=', entry.tenantId)
          .where('extension_id', '=', entry.extensionId)
          .where('window_start', '=', new Date(entry.windowStart))
          .executeTakeFirst(),
      );
      if (row) entry.persisted = usageOf(row);
    } catch (err) {
      // Counted from zero meanwhile: a database hiccup must not stop every call.
      this.options.log.warn({ err }, 'quota usage could not be read');
    } finally {
      delete entry.loading;
    }
  }

  private async write(): Promise<void> {
    const batch = [...this.entries.values()].filter(
      (e) => !isZero(e.pending) && isUuid(e.extensionId) && !e.loading,
    );
    const sent = new Map(batch.map((e) => [e, { ...e.pending }]));
    if (batch.length > 0) {
      try {
        const rows = await withSystem(this.options.db, (trx) =>
          trx
            .insertInto('extension_quota_usage')
            .values(
              batch.map((e) => {
                const d = sent.get(e)!;
                return {
                  tenant_id: e.tenantId,
                  extension_id: e.extensionId,
                  window_start: new Date(e.windowStart),
                  invocations: d.invocations,
                  cpu_ms: Math.ceil(d.cpuMs),
                  mem_mb_ms: Math.ceil(d.memMbMs),
                  egress_bytes: d.egressBytes,
                };
              }),
            )
            .onConflict((oc) =>
              oc.columns(['tenant_id', 'extension_id', 'window_start']).doUpdateSet((eb) => ({
                invocations: eb('extension_quota_usage.invocations', '+', eb.ref('excluded.invocations')),
                cpu_ms: eb('extension_quota_usage.cpu_ms', '+', eb.ref('excluded.cpu_ms')),
                mem_mb_ms: eb('extension_quota_usage.mem_mb_ms', '+', eb.ref('excluded.mem_mb_ms')),
                egress_bytes: eb('extension_quota_usage.egress_bytes', '+', eb.ref('excluded.egress_bytes')),
              })),
            )
            .returningAll()
            .execute(),
        );
        const byKey = new Map(
          rows.map((r) => [`${r.tenant_id}\0${r.extension_id}\0${new Date(r.window_start).getTime()}`, r]),
        );
        for (const e of batch) {
          const delta = sent.get(e)!;
          for (const f of USAGE_FIELDS) e.pending[f] -= delta[f];
          const row = byKey.get(`${e.tenantId}\0${e.extensionId}\0${e.windowStart}`);
          if (row) e.persisted = usageOf(row);
          else addUsage(e.persisted, delta);
        }
      } catch (err) {
        // Kept pending: the next flush writes them.
        this.options.log.error({ err, windows: batch.length }, 'quota usage not written; retrying');
      }
    }
    this.forgetOldWindows();
  }

  /**
   * Windows that ended a while ago and have nothing left to write. Ids outside the catalog are
   * counted here only (they have no rows), so theirs go regardless of what they counted.
   */
  private forgetOldWindows(): void {
    const cutoff = Date.now() - 2 * WINDOW_MS;
    for (const [key, e] of this.entries) {
      const written = isZero(e.pending) || !isUuid(e.extensionId);
      if (e.windowStart < cutoff && written && !e.loading) this.entries.delete(key);
    }
  }
}

function usageOf(row: {
  invocations: unknown;
  cpu_ms: unknown;
  mem_mb_ms: unknown;
  egress_bytes: unknown;
}): Usage {
  return {
    invocations: Number(row.invocations),
    cpuMs: Number(row.cpu_ms),
    memMbMs: Number(row.mem_mb_ms),
    egressBytes: Number(row.egress_bytes),
  };
}
