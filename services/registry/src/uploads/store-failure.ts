import { StoreUnavailableError } from '@annex/store';
import { RegistryError } from '../registry-error.js';

/** A store that cannot be reached answers 503 with a message safe to show; anything else passes on. */
export function storeFailure(err: unknown): unknown {
  if (err instanceof StoreUnavailableError) {
    return new RegistryError(
      'STORE_UNAVAILABLE',
      `the bundle store is unavailable (${err.message}); retry shortly`,
    );
  }
  return err;
}
