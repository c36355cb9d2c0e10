import type { ManifestEndpoint } from '@annex/bundle';
import type { TenantScope } from '../auth/tenant-access.js';
import { RegistryError } from '../registry-error.js';
import { executeEnvelope, type GuestRequest } from './execute-envelope.js';
import { returnedResponseHeaders } from './header-allowlists.js';
import type { InstallCache } from './install-cache.js';
import type { InstallTarget } from './install-target.js';
import { matchEndpoint } from './match-endpoint.js';
import type { RunnerClient, RunnerOutcome } from './runner-client.js';

export interface GuestAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** The runner's metrics (duration, memory, egress, cold). */
  metrics: Record<string, unknown>;
}

/**
 * The runner errors the gateway answers with their own status (SPEC section 10); 409 is the
 * idempotency-key conflict, the client's to fix. Every other runner error is a 502 RUNNER_ERROR.
 */
const PASSED_THROUGH = {
  409: 'IDEMPOTENCY_KEY_REUSED',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'CONCURRENCY_LIMIT',
  504: 'TIMEOUT',
} as const;

/** Maps what became of an execute call to the gateway's answer or error (SPEC section 10). */
export function answerOf(outcome: RunnerOutcome): GuestAnswer {
  switch (outcome.kind) {
    case 'response':
      return {
        status: outcome.status,
        headers: returnedResponseHeaders(outcome.headers),
        body: outcome.body,
        metrics: outcome.metrics,
      };
    case 'unreachable':
      throw new RegistryError('RUNNER_UNAVAILABLE', 'the runner could not be reached', {
        reason: outcome.reason,
      });
    case 'timeout':
      throw new RegistryError(
        'GATEWAY_TIMEOUT',
        'the extension did not answer in time (EXT_GATEWAY_TIMEOUT_MS)',
      );
    case 'too-large':
      throw new RegistryError('RESPONSE_TOO_LARGE', 'the extension’s answer is too large');
    case 'invalid':
      throw new RegistryError('RUNNER_ERROR', 'the runner gave an answer the gateway cannot use', {
        reason: outcome.reason,
      });
    case 'error': {
      // A quota refusal keeps its code and details (which quota, its limit, the window).
      const quota = outcome.status === 429 && outcome.code === 'QUOTA_EXCEEDED';
      const passed = quota ? 'QUOTA_EXCEEDED' : PASSED_THROUGH[outcome.status as keyof typeof PASSED_THROUGH];
      if (passed) {
        throw new RegistryError(
          passed,
          outcome.message,
          { ...(quota ? outcome.details : {}), runnerCode: outcome.code },
          outcome.status === 429 ? { retryAfterSeconds: outcome.retryAfterSeconds ?? 1 } : {},
        );
      }
      throw new RegistryError('RUNNER_ERROR', `the runner failed the call (${outcome.code})`, {
        runnerStatus: outcome.status,
        runnerCode: outcome.code,
      });
    }
  }
}

/**
 * Resolve and the gateway (SPEC section 5): find the tenant's enabled install, match the endpoint,
 * and run the call on the runner. Knows requests only as data; the route owns HTTP.
 */
export function createGatewayService(deps: { cache: InstallCache; runner: RunnerClient }) {
  const { cache, runner } = deps;

  /** The tenant's install of `ref`, whatever its status (cached); undefined when there is none. */
  function lookup(tenantId: string, ref: string): Promise<InstallTarget | undefined> {
    return cache.get(tenantId, ref);
  }

  /** Only an enabled install can be called: absent, disabled and pending ones are "not available". */
  function available(found: InstallTarget | undefined, ref: string): InstallTarget {
    if (!found) {
      throw new RegistryError(
        'EXTENSION_NOT_AVAILABLE',
        `${JSON.stringify(ref)} is not installed for this tenant`,
      );
    }
    if (found.status === 'disabled') {
      throw new RegistryError('EXTENSION_NOT_AVAILABLE', `${found.slug} is disabled for this tenant`);
    }
    if (found.status === 'pending') {
      throw new RegistryError(
        'EXTENSION_NOT_AVAILABLE',
        `${found.slug} is waiting for required secrets: ${found.missingSecrets.join(', ')}`,
        { missingSecrets: found.missingSecrets },
      );
    }
    return found;
  }

  function endpoint(found: InstallTarget, method: string, path: string): ManifestEndpoint {
    const match = matchEndpoint(found.endpoints, method.toUpperCase(), path);
    if (!match) {
      throw new RegistryError(
        'ENDPOINT_NOT_FOUND',
        `${found.slug} has no endpoint ${method.toUpperCase()} ${path}`,
      );
    }
    return match;
  }

  return {
    lookup,
    available,
    endpoint,

    /** Runs a matched call on the runner and maps the outcome. */
    async execute(found: InstallTarget, request: GuestRequest): Promise<GuestAnswer> {
      const idempotency = request.headers['x-idempotency-key'];
      const outcome = await runner.execute(executeEnvelope(found, request), {
        requestId: request.requestId,
        ...(typeof idempotency === 'string' ? { idempotencyKey: idempotency } : {}),
      });
      return answerOf(outcome);
    },

    /** `GET …/installs/{ext}/resolve`: what an external gateway sends the runner for this call. */
    async resolve(scope: TenantScope, ref: string, method: string, path: string) {
      const found = available(await lookup(scope.tenantId, ref), ref);
      const matched = endpoint(found, method, path);
      return {
        installId: found.installId,
        extensionId: found.extensionId,
        versionId: found.versionId,
        version: found.version,
        contentHash: found.contentHash,
        endpoint: matched,
        config: found.config,
        providers: found.providers,
        egress: found.egress,
        secretEnvelope: found.secretEnvelope,
        limits: found.limits,
      };
    },
  };
}

export type GatewayService = ReturnType<typeof createGatewayService>;
