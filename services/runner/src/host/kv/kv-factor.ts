import {
  HOST_IMPORTS,
  IMPORT_CAPABILITIES,
  type KvEntry,
  type KvListPage,
  type KvSetOptions,
} from '@annex/sdk';
import type { GuestFactor } from '../factor.js';

const deny = () => {
  throw 'denied';
};

/** `cap:storage.kv`: every function is bridged to the install's rows of `extension_kv`. */
export const kvFactor: GuestFactor<'kv'> = {
  name: 'kv',
  capability: IMPORT_CAPABILITIES.kv,
  witInterface: HOST_IMPORTS.kv,
  link: (scope) => ({
    get: (key: string) => scope.bridge('kv', 'get', [key]) as KvEntry | undefined,
    set: (key: string, value: Uint8Array, options: KvSetOptions) =>
      scope.bridge('kv', 'set', [
        key,
        value,
        { expectedRevision: options?.expectedRevision, ttlMs: options?.ttlMs },
      ]) as bigint,
    delete: (key: string, expectedRevision: bigint | undefined) =>
      scope.bridge('kv', 'delete', [key, expectedRevision]) as boolean,
    list: (prefix: string, cursor: string | undefined, limit: number) =>
      scope.bridge('kv', 'list', [prefix, cursor, limit]) as KvListPage,
  }),
  denied: () => ({ get: deny, set: deny, delete: deny, list: deny }),
};
