import type { GuestOutcome } from '../pool/messages.js';
import { runnerErrors } from '../runner-errors.js';
import type { ExecuteAnswer } from './execute-schema.js';

/** The guest's headers as the answer's object: a repeated name becomes an array, in order. */
export function headerRecord(headers: [string, string][]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    const existing = out[name];
    if (existing === undefined) out[name] = value;
    else out[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

/** A guest outcome as the 200 answer, or the runner error it stands for. */
export function guestAnswer(
  outcome: GuestOutcome,
  metrics: { durationMs: number; egressBytes: number; memoryMb: number; maxResponseBytes: number },
): ExecuteAnswer {
  if (!outcome.ok) {
    switch (outcome.failure) {
      case 'MEMORY_LIMIT':
        throw runnerErrors.memoryLimit(metrics.memoryMb);
      case 'RESPONSE_TOO_LARGE':
        throw runnerErrors.responseTooLarge(metrics.maxResponseBytes);
      case 'LOAD_FAILED':
        throw runnerErrors.guestTrap(`the component could not be instantiated: ${outcome.message}`);
      default:
        throw runnerErrors.guestTrap(outcome.message);
    }
  }
  const { response } = outcome;
  return {
    status: response.status,
    headers: headerRecord(response.headers),
    body_b64:
      response.body === undefined
        ? null
        : Buffer.from(response.body.buffer, response.body.byteOffset, response.body.length).toString(
            'base64',
          ),
    metrics: {
      duration_ms: Math.round(metrics.durationMs * 1000) / 1000,
      memory_bytes: outcome.memoryBytes,
      egress_bytes: metrics.egressBytes,
      cold: outcome.cold,
    },
  };
}
