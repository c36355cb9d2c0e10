import type { QuotaLimits } from '@annex/config';

/** What one tenant's extension used in one window: the columns of `extension_quota_usage`. */
export interface Usage {
  invocations: number;
  cpuMs: number;
  memMbMs: number;
  egressBytes: number;
}

export const USAGE_FIELDS = ['invocations', 'cpuMs', 'memMbMs', 'egressBytes'] as const;

export const zeroUsage = (): Usage => ({ invocations: 0, cpuMs: 0, memMbMs: 0, egressBytes: 0 });

export function addUsage(into: Usage, delta: Partial<Usage>): void {
  for (const field of USAGE_FIELDS) into[field] += delta[field] ?? 0;
}

export const isZero = (usage: Usage): boolean => USAGE_FIELDS.every((f) => usage[f] === 0);

/** The quota a usage has reached, if any (0 limits are unlimited). */
export function reachedLimit(
  usage: Usage,
  limits: QuotaLimits,
): { quota: keyof Usage; limit: number } | undefined {
  const pairs: [keyof Usage, number][] = [
    ['invocations', limits.invocationsPerMinute],
    ['cpuMs', limits.cpuMsPerMinute],
    ['memMbMs', limits.memMbMsPerMinute],
    ['egressBytes', limits.egressBytesPerMinute],
  ];
  for (const [quota, limit] of pairs) {
    if (limit > 0 && usage[quota] >= limit) return { quota, limit };
  }
  return undefined;
}
