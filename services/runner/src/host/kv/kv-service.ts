import { IMPORT_CAPABILITIES, type KvSetOptions } from '@annex/sdk';
import type { FastifyBaseLogger } from 'fastify';
import { fail, ok, type HostService } from '../factor.js';
import { KvError, type KvStore } from './kv-store.js';

/** Main thread: runs the guest's kv calls against the call's own tenant and install. */
export function kvService(store: KvStore, log: FastifyBaseLogger): HostService {
  return {
    name: 'kv',
    capability: IMPORT_CAPABILITIES.kv,
    unavailable: 'unavailable',
    async invoke(fn, args, call) {
      const scope = { tenantId: call.tenantId, installId: call.installId };
      try {
        switch (fn) {
          case 'get':
            return ok(await store.get(scope, args[0] as string));
          case 'set': {
            const options = (args[2] ?? {}) as KvSetOptions;
            return ok(await store.set(scope, args[0] as string, args[1] as Uint8Array, options));
          }
          case 'delete':
            return ok(await store.delete(scope, args[0] as string, args[1] as bigint | undefined));
          case 'list':
            return ok(
              await store.list(scope, args[0] as string, args[1] as string | undefined, args[2] as number),
            );
          default:
            return fail('unavailable');
        }
      } catch (err) {
        if (err instanceof KvError) return fail(err.code);
        log.error({ err, reqId: call.requestId, tenantId: call.tenantId, fn }, 'kv store failed');
        return fail('unavailable');
      }
    },
  };
}
