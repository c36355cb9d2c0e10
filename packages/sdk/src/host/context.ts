import type { ContextData, UserData } from '../wit-types.js';
import { callHost } from './host-error.js';
import { hostBindings } from './host-bindings.js';

/**
 * Who and what this call is for (`cap:context.read`; throws HostError `denied` without it). The same
 * data also arrives with every request as `req.context`, which needs no capability.
 */
export function context(): ContextData {
  return callHost('context', () => hostBindings().context.get());
}

/** The host application's user the call is made for, when the host passed one. */
export function currentUser(): UserData | undefined {
  return callHost('context', () => hostBindings().context.user());
}
