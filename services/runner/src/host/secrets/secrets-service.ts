import type { Kek } from '@annex/config';
import { IMPORT_CAPABILITIES } from '@annex/sdk';
import { openSecrets } from '@annex/secrets';
import { fail, ok, type CallScope, type HostService } from '../factor.js';

const MEMO = 'secrets';

/** Opens the call's envelope once (bound to its tenant and install) and keeps it for the call only. */
function secretsOf(call: CallScope, keks: readonly Kek[]): Record<string, string> | undefined {
  if (call.memo.has(MEMO)) return call.memo.get(MEMO) as Record<string, string> | undefined;
  const envelope = call.request.secret_envelope;
  let values: Record<string, string> | undefined;
  try {
    values = envelope
      ? openSecrets(envelope, keks, { tenantId: call.tenantId, installId: call.installId })
      : {};
  } catch {
    values = undefined; // unavailable for the whole call
  }
  call.memo.set(MEMO, values);
  return values;
}

export function secretsService(keks: readonly Kek[]): HostService {
  return {
    name: 'secrets',
    capability: IMPORT_CAPABILITIES.secrets,
    unavailable: 'unavailable',
    async invoke(fn, args, call) {
      const values = secretsOf(call, keks);
      if (!values) return fail('unavailable');
      if (fn === 'list') return ok(Object.keys(values).sort());
      if (fn === 'get') {
        const name = args[0];
        return typeof name === 'string' && Object.hasOwn(values, name) ? ok(values[name]) : fail('not-found');
      }
      return fail('unavailable');
    },
  };
}
