import type { RunnerLimits } from '../runner-limits.js';
import type { ExecuteEnvelope } from './execute-schema.js';

/** Requested limits, defaulted and capped by the platform maximums (capped, never rejected: SPEC 10). */
export function effectiveLimits(
  envelope: ExecuteEnvelope,
  limits: RunnerLimits,
): { timeoutMs: number; memoryMb: number } {
  const asked = envelope.limits ?? {};
  return {
    timeoutMs: Math.min(asked.timeout_ms ?? limits.defaultTimeoutMs, limits.maxTimeoutMs),
    memoryMb: Math.min(asked.memory_mb ?? limits.defaultMemoryMb, limits.maxMemoryMb),
  };
}
