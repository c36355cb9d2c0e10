/**
 * What became of one execution, handed to every observer (metrics, quota usage, the execution log)
 * once it is answered. Gates run before the execution and may refuse it (quotas); a refused
 * execution is still observed, with the gate's error code.
 */
import { HttpError, outcomeLabel } from '@annex/server';
import type { ExecuteAnswer, ExecuteEnvelope } from './execute-schema.js';

export interface ExecutionOutcome {
  envelope: ExecuteEnvelope;
  /** The caller writes its own execution log row (the registry's gateway and event dispatcher). */
  recordedByCaller: boolean;
  /** `ok` when the guest answered (whatever its status), else the runner's error code. */
  outcome: string;
  /** The runner's HTTP status: 200 when the guest answered. */
  httpStatus: number;
  /** The guest's status, when it answered. */
  guestStatus?: number;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  /** Guest memory at the end of the call; 0 when no guest ran. */
  memoryBytes: number;
  egressBytes: number;
  cold: boolean;
  /** The error message of a failed execution (never guest data or secrets). */
  message?: string;
}

const failureEgress = new WeakMap<object, number>();

/** Egress a failed execution had already used (a guest that fetched, then timed out), for its outcome. */
export function noteFailureEgress(err: unknown, egressBytes: number): void {
  if (err !== null && typeof err === 'object') failureEgress.set(err, egressBytes);
}

export type ExecutionObserver = (outcome: ExecutionOutcome) => void;
/** Runs before an execution; throws an HttpError to refuse it. */
export type ExecutionGate = (envelope: ExecuteEnvelope) => void | Promise<void>;

export interface ExecuteOptions {
  /** Sent as `x-annex-recorded-by: caller`: the caller logs the execution itself. */
  recordedByCaller?: boolean;
}

export type Execute = (envelope: ExecuteEnvelope, options?: ExecuteOptions) => Promise<ExecuteAnswer>;

export interface ExecutionHooks {
  gates: ExecutionGate[];
  observers: ExecutionObserver[];
  /** Where an observer's failure is reported; it never fails the call. */
  onObserverError: (err: unknown) => void;
}

/** `run` with gates before it and observers after it. */
export function observedExecute(
  run: (envelope: ExecuteEnvelope) => Promise<ExecuteAnswer>,
  hooks: ExecutionHooks,
): Execute {
  const notify = (outcome: ExecutionOutcome) => {
    for (const observer of hooks.observers) {
      try {
        observer(outcome);
      } catch (err) {
        hooks.onObserverError(err);
      }
    }
  };
  return async (envelope, options = {}) => {
    const recordedByCaller = options.recordedByCaller ?? false;
    const startedAt = new Date();
    const t0 = performance.now();
    try {
      for (const gate of hooks.gates) await gate(envelope);
      const answer = await run(envelope);
      notify({
        envelope,
        recordedByCaller,
        outcome: 'ok',
        httpStatus: 200,
        guestStatus: answer.status,
        startedAt,
        finishedAt: new Date(),
        durationMs: answer.metrics.duration_ms,
        memoryBytes: answer.metrics.memory_bytes,
        egressBytes: answer.metrics.egress_bytes,
        cold: answer.metrics.cold,
      });
      return answer;
    } catch (err) {
      const known = err instanceof HttpError;
      notify({
        envelope,
        recordedByCaller,
        outcome: outcomeLabel(err),
        httpStatus: known ? err.statusCode : 500,
        startedAt,
        finishedAt: new Date(),
        durationMs: Math.round((performance.now() - t0) * 1000) / 1000,
        memoryBytes: 0,
        egressBytes: failureEgress.get(err as object) ?? 0,
        cold: false,
        ...(known ? { message: err.message } : {}),
      });
      throw err;
    }
  };
}
