import { isBundleError } from '@annex/bundle';
import { HttpError } from '@annex/server';
import { ObjectNotFoundError, StoreError } from '@annex/store';
import { runnerErrors } from '../runner-errors.js';

/** Refused while fetching: larger than EXT_MAX_BUNDLE_BYTES. */
export class BundleTooLarge extends Error {
  constructor(limit: number) {
    super(`the bundle is larger than ${limit} bytes`);
    this.name = 'BundleTooLarge';
  }
}

/** Turns a failure to obtain a verified bundle into the runner's answer (SPEC section 6). */
export function bundleFailure(err: unknown, contentHash: string): unknown {
  if (err instanceof HttpError) return err;
  if (err instanceof ObjectNotFoundError) return runnerErrors.bundleNotFound(contentHash);
  if (err instanceof StoreError)
    return runnerErrors.storeUnavailable(`the bundle store failed: ${err.message}`);
  if (err instanceof BundleTooLarge) return runnerErrors.bundleIntegrity(err.message);
  if (isBundleError(err)) {
    switch (err.code) {
      case 'SIGNATURE_REQUIRED':
      case 'SIGNATURE_INVALID':
      case 'SIGNER_UNTRUSTED':
        return runnerErrors.signatureInvalid(`bundle ${contentHash} refused: ${err.message}`, {
          reason: err.code,
        });
      case 'HASH_MISMATCH':
        return runnerErrors.bundleIntegrity(`bundle ${contentHash} does not match its hash`, err.details);
      default:
        return runnerErrors.bundleIntegrity(`bundle ${contentHash} is invalid: ${err.message}`, {
          reason: err.code,
          ...(err.entry === undefined ? {} : { entry: err.entry }),
        });
    }
  }
  return err;
}
