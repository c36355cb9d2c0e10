import type { AddressPolicy } from './forbidden-addresses.js';
import type { Resolver } from './pinned-address.js';

/**
 * FOR TESTS ONLY: lets a test reach its own loopback server through the full egress path. No
 * environment variable or configuration file can set it; only code that calls buildRunnerApp can,
 * and the runner's own entry points never do.
 */
export interface UnsafeTestOnlyEgress {
  /** Replaces DNS (e.g. `api.allowed.test` → `127.0.0.2`). */
  resolve?: Resolver;
  /** Addresses judged public although they are not (a test server on 127.0.0.2). Exact matches only. */
  publicAddresses?: string[];
}

export function withTestExemptions(
  policy: AddressPolicy,
  publicAddresses: readonly string[] = [],
): AddressPolicy {
  if (publicAddresses.length === 0) return policy;
  const exempt = new Set(publicAddresses);
  return { forbidden: (address) => (exempt.has(address) ? undefined : policy.forbidden(address)) };
}
