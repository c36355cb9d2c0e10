import type { Execution, Quota } from '@annex/client';
import type { Command } from 'commander';
import { CliError, EXIT, type Output } from '../output.js';
import { explainApiError } from '../registry-connection.js';
import { connectTenant, withTenantOptions, type TenantOptions } from '../tenant-connection.js';
import { describeInstall } from './installs.js';

interface ExecutionOptions extends TenantOptions {
  extension?: string;
  status?: string;
  source?: Execution['source'];
  event?: string;
  requestId?: string;
  error?: string;
  since?: string;
  until?: string;
  limit?: string;
  cursor?: string;
}

interface QuotaOptions extends TenantOptions {
  invocations?: string;
  cpuMs?: string;
  memMbMs?: string;
  egressBytes?: string;
  reset?: boolean;
}

function count(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value))
    throw new CliError(`${name} takes a whole number (0: unlimited)`, EXIT.usage, 'USAGE');
  return Number(value);
}

const SOURCES: readonly Execution['source'][] = ['gateway', 'event', 'runner'];

/** `--limit`: a page of 1 to 500 rows, as the API takes. */
function pageLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= 500))
    throw new CliError('--limit takes a whole number from 1 to 500', EXIT.usage, 'USAGE');
  return n;
}

function describeExecution(e: Execution): string {
  const duration = e.durationMs === null ? '' : `${Math.round(e.durationMs)} ms`;
  return [
    e.startedAt,
    String(e.status ?? '-').padEnd(3),
    e.source.padEnd(7),
    duration.padStart(8),
    e.requestId,
    e.error ?? '',
    e.eventId ? `event ${e.eventId}` : '',
  ]
    .filter(Boolean)
    .join('  ');
}

const limitsText = (q: Quota) =>
  [
    `invocations ${q.invocationsPerMinute || 'unlimited'}`,
    `cpu ms ${q.cpuMsPerMinute || 'unlimited'}`,
    `MiB·ms ${q.memMbMsPerMinute || 'unlimited'}`,
    `egress bytes ${q.egressBytesPerMinute || 'unlimited'}`,
  ].join(', ') + ' per minute';

/** `annex executions|usage|quota`: what a tenant's extensions did, cost, and may cost. */
export function registerObserveVerbs(program: Command, output: () => Output): void {
  withTenantOptions(program.command('executions'))
    .description(
      "a tenant's execution log, newest first (gateway calls, event deliveries, direct runner calls)",
    )
    .option('--extension <ext>', 'one extension (id or slug)')
    .option('--status <status>', 'an HTTP status (502), a class (5xx), ok or error')
    .option('--source <source>', 'gateway, event or runner')
    .option('--event <id>', 'the deliveries of one event')
    .option('--request-id <id>', 'one request')
    .option('--error <code>', 'an error code (QUOTA_EXCEEDED, TIMEOUT, …)')
    .option('--since <time>', 'from this time on (ISO 8601, e.g. 2026-12-04T10:00:00Z)')
    .option('--until <time>', 'before this time (ISO 8601)')
    .option('--limit <n>', 'rows per page (1-500, default 50)')
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .action(async (opts: ExecutionOptions) => {
      const out = output();
      const { api } = connectTenant(opts);
      const limit = pageLimit(opts.limit);
      if (opts.source !== undefined && !SOURCES.includes(opts.source)) {
        throw new CliError(`--source takes ${SOURCES.join(', ')}`, EXIT.usage, 'USAGE');
      }
      const page = await api.executions
        .list({
          ...(opts.extension ? { extension: opts.extension } : {}),
          ...(opts.status ? { status: opts.status } : {}),
          ...(opts.source ? { source: opts.source } : {}),
          ...(opts.event ? { event: opts.event } : {}),
          ...(opts.requestId ? { requestId: opts.requestId } : {}),
          ...(opts.error ? { error: opts.error } : {}),
          ...(opts.since ? { since: opts.since } : {}),
          ...(opts.until ? { until: opts.until } : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(opts.cursor ? { cursor: opts.cursor } : {}),
        })
        .catch(explainApiError);
      const lines = page.items.map(describeExecution);
      // The cursor continues this query: the hint keeps its filters by saying "the same command".
      if (page.nextCursor) lines.push(`more: the same command with --cursor ${page.nextCursor}`);
      out.result(page, lines.join('\n') || 'no executions');
    });

  withTenantOptions(program.command('usage'))
    .description("a tenant's quota usage per extension and minute, newest first")
    .option('--extension <ext>', 'one extension (id or slug)')
    .option('--since <time>', 'ISO 8601 timestamp')
    .action(async (opts: TenantOptions & { extension?: string; since?: string }) => {
      const { api } = connectTenant(opts);
      const usage = await api
        .usage({
          ...(opts.extension ? { extension: opts.extension } : {}),
          ...(opts.since ? { since: opts.since } : {}),
        })
        .catch(explainApiError);
      const lines = usage.items.map(
        (u) =>
          `${u.windowStart}  ${u.extensionId}  ${u.invocations} calls, ${u.cpuMs} ms, ${u.memMbMs} MiB·ms, ${u.egressBytes} egress bytes`,
      );
      output().result(usage, lines.join('\n') || 'no usage');
    });

  withTenantOptions(program.command('quota <extension>'))
    .description(
      'show or set an install’s per-minute quotas (tenant keys may only tighten them; 0 is unlimited)',
    )
    .option('--invocations <n>', 'calls per minute')
    .option('--cpu-ms <n>', 'guest run time (ms) per minute')
    .option('--mem-mb-ms <n>', 'guest MiB × ms per minute')
    .option('--egress-bytes <n>', 'egress bytes per minute')
    .option('--reset', 'back to the platform defaults')
    .action(async (ext: string, opts: QuotaOptions) => {
      const { api } = connectTenant(opts);
      const quota: Partial<Quota> = {};
      const set = (field: keyof Quota, name: string, value: string | undefined) => {
        const n = count(name, value);
        if (n !== undefined) quota[field] = n;
      };
      set('invocationsPerMinute', '--invocations', opts.invocations);
      set('cpuMsPerMinute', '--cpu-ms', opts.cpuMs);
      set('memMbMsPerMinute', '--mem-mb-ms', opts.memMbMs);
      set('egressBytesPerMinute', '--egress-bytes', opts.egressBytes);
      if (opts.reset && Object.keys(quota).length > 0) {
        throw new CliError('--reset takes no limits with it', EXIT.usage, 'USAGE');
      }
      const install =
        opts.reset || Object.keys(quota).length > 0
          ? await api.installs.patch(ext, { quota: opts.reset ? null : quota }).catch(explainApiError)
          : await api.installs.get(ext).catch(explainApiError);
      output().result(install, `${describeInstall(install)}\n  quota: ${limitsText(install.quota)}`);
    });
}
