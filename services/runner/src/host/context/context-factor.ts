import { HOST_IMPORTS, IMPORT_CAPABILITIES, type ContextData, type UserData } from '@annex/sdk';
import { contextData, userData } from '../../execute/guest-request.js';
import type { GuestFactor } from '../factor.js';

interface ContextCallData {
  context: ContextData;
  user: UserData | undefined;
}

/** `cap:context.read`: who the call is for. Everything is in the request; nothing is bridged. */
export const contextFactor: GuestFactor<'context'> = {
  name: 'context',
  capability: IMPORT_CAPABILITIES.context,
  witInterface: HOST_IMPORTS.context,
  callData: (request): ContextCallData => ({ context: contextData(request), user: userData(request) }),
  link: (scope) => ({
    get: () => (scope.call().data.context as ContextCallData).context,
    user: () => (scope.call().data.context as ContextCallData).user,
  }),
  denied: () => ({
    get() {
      throw 'denied';
    },
    user() {
      throw 'denied';
    },
  }),
};
