import type { SecretsErrorCode } from '../wit-types.js';
import { HostError, callHost } from './host-error.js';
import { hostBindings } from './host-bindings.js';

/** The install's secrets (`cap:secrets.get`). Errors are HostError with a SecretsErrorCode. */
export const secrets = {
  /** The value; throws HostError `not-found` when the install has no such secret. */
  get(name: string): string {
    return callHost('secrets', () => hostBindings().secrets.get(name));
  },

  /** The value, or `undefined` when the install has no such secret. */
  find(name: string): string | undefined {
    try {
      return secrets.get(name);
    } catch (err) {
      if (err instanceof HostError && (err.code as SecretsErrorCode) === 'not-found') return undefined;
      throw err;
    }
  },

  /** The names of the install's secrets, sorted. */
  list(): string[] {
    return callHost('secrets', () => hostBindings().secrets.list());
  },
};
