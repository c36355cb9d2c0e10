import { HOST_IMPORTS, IMPORT_CAPABILITIES } from '@annex/sdk';
import type { GuestFactor } from '../factor.js';

/**
 * `cap:secrets.get`: values are decrypted on the main thread, only when asked for, one at a time;
 * the keys never reach a worker.
 */
export const secretsFactor: GuestFactor<'secrets'> = {
  name: 'secrets',
  capability: IMPORT_CAPABILITIES.secrets,
  witInterface: HOST_IMPORTS.secrets,
  link: (scope) => ({
    get: (name: string) => scope.bridge('secrets', 'get', [String(name)]) as string,
    list: () => scope.bridge('secrets', 'list', []) as string[],
  }),
  denied: () => ({
    get() {
      throw 'denied';
    },
    list() {
      throw 'denied';
    },
  }),
};
