import { HOST_IMPORTS, IMPORT_CAPABILITIES } from '@annex/sdk';
import type { GuestFactor } from '../factor.js';

/** `cap:config.read`, always granted: the install's configuration as one JSON document. */
export const configFactor: GuestFactor<'config'> = {
  name: 'config',
  capability: IMPORT_CAPABILITIES.config,
  witInterface: HOST_IMPORTS.config,
  alwaysGranted: true,
  callData: (request) => JSON.stringify(request.context.config ?? {}),
  link: (scope) => ({
    get: () => scope.call().data.config as string,
  }),
  // Never linked (the capability is always granted); the WIT function has no error case.
  denied: () => ({ get: () => '{}' }),
};
