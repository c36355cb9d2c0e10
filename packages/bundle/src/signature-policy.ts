/**
 * The signature policy of SPEC section 4, in one place for the registry (finalize) and the runner
 * (first use of a hash). Fail closed: with a trust bundle configured, unsigned, invalid and
 * untrusted bundles are all refused; without one, a present signature must still be valid, and
 * unsigned bundles pass as `unsigned`.
 */
import { BundleError } from './bundle-error.js';
import type { SignatureAlgorithm } from './signature-document.js';
import type { TrustBundle } from './trust-bundle.js';
import { verifySignature, type VerifyOptions } from './verify-signature.js';

export type SignatureStatus = 'verified' | 'unverified' | 'unsigned';

export interface SignatureOutcome {
  status: SignatureStatus;
  alg?: SignatureAlgorithm;
  keyId?: string;
  signer?: string;
}

export interface SignaturePolicyInput extends VerifyOptions {
  contentHash: string;
  /** The bundle.sig document (object, JSON text or bytes), or nothing when the bundle is unsigned. */
  signature?: unknown;
  /** The configured trust bundle (parsed, or PEM text such as config.trustBundlePem), if any. */
  trust?: TrustBundle | string | null;
}

/**
 * Returns the outcome to record, or throws BundleError with code SIGNATURE_REQUIRED,
 * SIGNATURE_INVALID or SIGNER_UNTRUSTED (the registry answers 400 with that code; the runner
 * answers 502 SIGNATURE_INVALID for any of them).
 */
export function signaturePolicy(input: SignaturePolicyInput): SignatureOutcome {
  const trustConfigured = input.trust !== undefined && input.trust !== null && input.trust !== '';
  if (input.signature === undefined || input.signature === null) {
    if (trustConfigured) {
      throw new BundleError(
        'SIGNATURE_REQUIRED',
        'A signature is required: this deployment has a signing trust bundle',
      );
    }
    return { status: 'unsigned' };
  }
  const options = input.now ? { now: input.now } : {};
  const verified = verifySignature(
    input.signature,
    input.contentHash,
    trustConfigured ? input.trust : undefined,
    options,
  );
  return { status: verified.status, alg: verified.alg, keyId: verified.keyId, signer: verified.signer };
}
