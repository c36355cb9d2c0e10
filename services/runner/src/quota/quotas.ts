/**
 * Per-minute quotas of each tenant's extension (issue 8): a gate that refuses an execution once a
 * limit is reached (429 QUOTA_EXCEEDED with Retry-After until the window ends) and an observer that
 * adds what each execution used. Every attempt counts as an invocation, refused ones included, so
 * the usage row says how often the extension was called.
 */
import type { QuotaLimits } from '@annex/config';
import type { ExecuteEnvelope } from '../execute/execute-schema.js';
import type { ExecutionGate, ExecutionObserver } from '../execute/execution-outcome.js';
import { runnerErrors } from '../runner-errors.js';
import { secondsLeftInWindow, windowStartOf } from './quota-window.js';
import { reachedLimit } from './usage.js';
import type { RedisUsage } from './redis-usage.js';
import type { UsageLedger } from './usage-ledger.js';

const MiB = 1024 * 1024;

const QUOTA_NAMES = {
  invocations: 'invocations',
  cpuMs: 'cpu_ms',
  memMbMs: 'mem_mb_ms',
  egressBytes: 'egress_bytes',
} as const;

/** The envelope's quota (sent by the registry for the install), else the platform defaults. */
export function quotaLimitsOf(envelope: ExecuteEnvelope, defaults: QuotaLimits): QuotaLimits {
  const quota = envelope.limits?.quota;
  return {
    invocationsPerMinute: quota?.invocations_per_minute ?? defaults.invocationsPerMinute,
    cpuMsPerMinute: quota?.cpu_ms_per_minute ?? defaults.cpuMsPerMinute,
    memMbMsPerMinute: quota?.mem_mb_ms_per_minute ?? defaults.memMbMsPerMinute,
    egressBytesPerMinute: quota?.egress_bytes_per_minute ?? defaults.egressBytesPerMinute,
  };
}

export function createQuotas(deps: {
  ledger: UsageLedger;
  /** REDIS_URL: counts shared at once across instances; the ledger stays the record. */
  redis?: RedisUsage | undefined;
  defaults: QuotaLimits;
  now: () => number;
}): {
  gate: ExecutionGate;
  observer: ExecutionObserver;
} {
  const { ledger, redis, defaults, now } = deps;
  // The window an admitted execution counts in, so its usage lands where its invocation did.
  const windows = new WeakMap<ExecuteEnvelope, number>();

  const gate: ExecutionGate = async (envelope) => {
    const { tenant_id: tenantId, extension_id: extensionId } = envelope.context;
    const at = now();
    const window = windowStartOf(at);
    const shared = await redis?.countInvocation(tenantId, extensionId, window);
    const used = shared ?? (await ledger.total(tenantId, extensionId, window));
    ledger.add(tenantId, extensionId, window, { invocations: 1 });
    windows.set(envelope, window);
    const reached = reachedLimit(used, quotaLimitsOf(envelope, defaults));
    if (reached) {
      throw runnerErrors.quotaExceeded(
        `this extension reached its ${QUOTA_NAMES[reached.quota]} quota of ${reached.limit} per minute for this tenant`,
        {
          quota: QUOTA_NAMES[reached.quota],
          limit: reached.limit,
          window_start: new Date(window).toISOString(),
        },
        secondsLeftInWindow(at),
      );
    }
  };

  const observer: ExecutionObserver = (outcome) => {
    const window = windows.get(outcome.envelope);
    if (window === undefined || outcome.outcome === 'QUOTA_EXCEEDED') return;
    const { tenant_id: tenantId, extension_id: extensionId } = outcome.envelope.context;
    const used = {
      cpuMs: outcome.durationMs,
      memMbMs: (outcome.memoryBytes / MiB) * outcome.durationMs,
      egressBytes: outcome.egressBytes,
    };
    ledger.add(tenantId, extensionId, window, used);
    redis?.add(tenantId, extensionId, window, used);
  };

  return { gate, observer };
}
