import { configFactor } from './config/config-factor.js';
import { contextFactor } from './context/context-factor.js';
import type { ExecuteEnvelope } from '../execute/execute-schema.js';
import type { GuestFactor, HostInterface, InstanceScope } from './factor.js';
import { httpFactor } from './http/http-factor.js';
import { kvFactor } from './kv/kv-factor.js';
import { loggingFactor } from './logging/logging-factor.js';
import type { RunnerLimits } from '../runner-limits.js';
import { secretsFactor } from './secrets/secrets-factor.js';
import { WASI_INTERFACES, wasiImports } from './wasi/wasi-imports.js';

/** The runtime is this list: adding a capability is adding a folder and a line here. */
export const GUEST_FACTORS: readonly GuestFactor[] = [
  contextFactor,
  loggingFactor,
  configFactor,
  secretsFactor,
  kvFactor,
  httpFactor,
] as GuestFactor[];

/** Every import key a component may have; anything else is refused before it runs. */
export const SUPPORTED_IMPORTS: ReadonlySet<string> = new Set([
  ...GUEST_FACTORS.map((f) => f.witInterface),
  ...WASI_INTERFACES,
]);

/** The interfaces an instance is linked to for real: granted capabilities, plus the always-granted ones. */
export function grantedInterfaces(providers: readonly string[]): HostInterface[] {
  const granted = new Set(providers);
  return GUEST_FACTORS.filter((f) => f.alwaysGranted || granted.has(f.capability)).map((f) => f.name);
}

/** Main thread: each linked interface's per-call data, read from the execute request. */
export function callData(
  request: ExecuteEnvelope,
  linked: readonly HostInterface[],
  limits: RunnerLimits,
): Partial<Record<HostInterface, unknown>> {
  const data: Partial<Record<HostInterface, unknown>> = {};
  for (const factor of GUEST_FACTORS) {
    if (linked.includes(factor.name) && factor.callData) data[factor.name] = factor.callData(request, limits);
  }
  return data;
}

/**
 * Worker: the import object of one instance. An interface outside `linked` gets its `denied` stub,
 * built without the scope, so it holds no way to reach the bridge or the call.
 */
export function linkImports(scope: InstanceScope, linked: readonly HostInterface[]): Record<string, object> {
  const imports: Record<string, object> = wasiImports();
  for (const factor of GUEST_FACTORS) {
    imports[factor.witInterface] = linked.includes(factor.name) ? factor.link(scope) : factor.denied();
  }
  return imports;
}
