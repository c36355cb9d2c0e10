/**
 * One execute call from envelope to answer: tenant slot → verified bundle → compiled component →
 * a worker runs the guest under its timeout → the answer. Guest answers of any status are 200
 * answers; everything else is a runner error with its real status (SPEC section 6).
 */
import { access } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { parseEgressRule } from '@annex/config';
import type { FastifyBaseLogger } from 'fastify';
import type { BundleCache } from '../bundle-cache/bundle-cache.js';
import type { TenantLimiter } from '../concurrency/tenant-limiter.js';
import type { CallScope } from '../host/factor.js';
import { callData, grantedInterfaces } from '../host/factors.js';
import { writeGuestLog } from '../host/logging/guest-log.js';
import type { ModuleCache } from '../module-cache/module-cache.js';
import { pagesForMiB } from '../module-cache/patch-memory.js';
import { WorkerCrashed } from '../pool/worker-slot.js';
import { GuestTimeout, QueueFull, type WorkerPool } from '../pool/worker-pool.js';
import { runnerErrors } from '../runner-errors.js';
import type { RunnerLimits } from '../runner-limits.js';
import { effectiveLimits } from './effective-limits.js';
import { noteFailureEgress } from './execution-outcome.js';
import type { ExecuteAnswer, ExecuteEnvelope } from './execute-schema.js';
import { guestAnswer } from './guest-answer.js';
import { guestRequest, normalizeContentHash, requestBody } from './guest-request.js';
import { loadComponent } from './load-component.js';

export interface ExecutorDeps {
  limits: RunnerLimits;
  bundles: BundleCache;
  modules: ModuleCache;
  pool: WorkerPool;
  tenants: TenantLimiter;
  log: FastifyBaseLogger;
}

let lastCallId = 0;

function checkEgress(entries: readonly string[]): void {
  for (const [index, entry] of entries.entries()) {
    try {
      parseEgressRule(entry);
    } catch (err) {
      throw runnerErrors.badRequest(`invalid body: egress[${index}] ${(err as Error).message}`);
    }
  }
}

/** The component file the manifest names, inside the unpacked bundle. */
export async function componentPath(dir: string, entry: string | undefined): Promise<string> {
  const path = resolve(dir, ...(entry ?? 'dist/main.wasm').split('/'));
  if (!path.startsWith(dir + sep)) throw runnerErrors.badRequest('the manifest entry leaves the bundle');
  try {
    await access(path);
  } catch {
    throw runnerErrors.badRequest(`the bundle has no component at ${entry ?? 'dist/main.wasm'}`);
  }
  return path;
}

export function createExecutor(deps: ExecutorDeps) {
  const { limits, log } = deps;
  return async function execute(envelope: ExecuteEnvelope): Promise<ExecuteAnswer> {
    const started = performance.now();
    const contentHash = normalizeContentHash(envelope.context.content_hash);
    const { timeoutMs, memoryMb } = effectiveLimits(envelope, limits);
    checkEgress(envelope.egress ?? []);
    const body = requestBody(envelope);
    if (body && body.length > limits.maxRequestBodyBytes) {
      throw runnerErrors.payloadTooLarge(
        `the request body is larger than ${limits.maxRequestBodyBytes} bytes`,
        limits.maxRequestBodyBytes,
      );
    }

    const releaseTenant = deps.tenants.acquire(envelope.context.tenant_id);
    let lease;
    try {
      deps.modules.anticipate(contentHash);
      lease = await deps.bundles.acquire(contentHash);
      const path = await componentPath(lease.dir, lease.manifest.entry);
      const load = await loadComponent(deps.modules, contentHash, path, memoryMb);
      const linked = grantedInterfaces(envelope.providers ?? []);
      const abort = new AbortController();
      const scope: CallScope = {
        callId: ++lastCallId,
        requestId: envelope.context.request_id,
        tenantId: envelope.context.tenant_id,
        extensionId: envelope.context.extension_id,
        installId: envelope.context.install_id,
        request: envelope,
        deadline: Date.now() + timeoutMs,
        signal: abort.signal,
        egressBytes: 0,
        memo: new Map(),
      };
      try {
        let outcome;
        try {
          outcome = await deps.pool.run({
            job: {
              callId: scope.callId,
              instanceKey: `${load.key}|${scope.installId}|${linked.join(',')}`,
              componentKey: load.key,
              linked,
              data: callData(envelope, linked, limits),
              request: guestRequest(envelope, body),
              deadline: scope.deadline,
              memoryCapBytes: pagesForMiB(memoryMb) * 65536,
              maxResponseBytes: limits.maxResponseBytes,
              maxResponseHeaders: limits.maxResponseHeaders,
              maxResponseHeaderBytes: limits.maxResponseHeaderBytes,
              maxUses: limits.instanceMaxUses,
              maxWarm: limits.warmInstancesPerWorker,
            },
            load,
            call: { scope, linked, onLog: (level, message) => writeGuestLog(log, scope, level, message) },
            timeoutMs,
          });
        } catch (err) {
          if (err instanceof GuestTimeout) {
            log.warn(
              { reqId: scope.requestId, tenantId: scope.tenantId, phase: err.phase },
              'guest timed out',
            );
            throw runnerErrors.timeout(timeoutMs, err.phase === 'queued' ? err.message : undefined);
          }
          if (err instanceof QueueFull) throw runnerErrors.concurrencyLimit(err.message);
          if (err instanceof WorkerCrashed) throw runnerErrors.guestTrap(err.message);
          throw err;
        } finally {
          abort.abort();
        }
        return guestAnswer(outcome, {
          durationMs: performance.now() - started,
          egressBytes: scope.egressBytes,
          memoryMb,
          maxResponseBytes: limits.maxResponseBytes,
        });
      } catch (err) {
        noteFailureEgress(err, scope.egressBytes);
        throw err;
      }
    } finally {
      lease?.release();
      releaseTenant();
    }
  };
}
