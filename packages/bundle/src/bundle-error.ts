/**
 * The one error type of this package. Callers (registry finalize, runner cache, CLI) map `code`
 * to their own status codes, so codes are stable API; messages are for people.
 */
export type BundleErrorCode =
  /** The archive breaks a rule of SPEC section 3 (bad entry, limits, not zstd, truncated). */
  | 'INVALID_BUNDLE'
  /** manifest.json is missing fields, has unknown ones, or disagrees with the archive. */
  | 'INVALID_MANIFEST'
  /** A content hash string is not `sha256:<64 hex>` or bare hex. */
  | 'INVALID_CONTENT_HASH'
  /** The bytes do not hash to the content hash the caller expected. */
  | 'HASH_MISMATCH'
  /** A trust bundle is configured and the bundle carries no signature. */
  | 'SIGNATURE_REQUIRED'
  /** The signature document is malformed, or does not verify for this content hash and key. */
  | 'SIGNATURE_INVALID'
  /** The signature verifies, but the configured trust bundle does not trust its signer. */
  | 'SIGNER_UNTRUSTED'
  /** The trust bundle text holds no usable PEM block, or a block that cannot be parsed. */
  | 'INVALID_TRUST_BUNDLE'
  /** Key material handed to sign or generate is unusable (wrong type, curve, or chain). */
  | 'INVALID_KEY'
  /** The unpack target exists and is not an empty directory. */
  | 'TARGET_NOT_EMPTY'
  /** A directory handed to pack cannot be made into a bundle (missing or unsafe files). */
  | 'PACK_FAILED';

export interface ManifestIssue {
  /** Dotted path into the manifest, e.g. `api.endpoints[0].path`; empty for the document itself. */
  path: string;
  message: string;
}

export interface BundleErrorOptions {
  /** The offending archive entry name, exactly as found in the archive. */
  entry?: string;
  issues?: ManifestIssue[];
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class BundleError extends Error {
  readonly code: BundleErrorCode;
  readonly entry?: string;
  readonly issues?: ManifestIssue[];
  readonly details?: Record<string, unknown>;

  constructor(code: BundleErrorCode, message: string, options: BundleErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BundleError';
    this.code = code;
    if (options.entry !== undefined) this.entry = options.entry;
    if (options.issues !== undefined) this.issues = options.issues;
    if (options.details !== undefined) this.details = options.details;
  }
}

export function isBundleError(err: unknown, code?: BundleErrorCode): err is BundleError {
  return err instanceof BundleError && (code === undefined || err.code === code);
}

/** Builds the INVALID_BUNDLE error for one archive entry; the name is JSON-escaped so control characters stay visible. */
export function invalidEntry(entry: string, reason: string): BundleError {
  return new BundleError('INVALID_BUNDLE', `Invalid bundle entry ${JSON.stringify(entry)}: ${reason}`, {
    entry,
  });
}

export function invalidBundle(reason: string, details?: Record<string, unknown>): BundleError {
  return new BundleError('INVALID_BUNDLE', `Invalid bundle: ${reason}`, details ? { details } : {});
}

/** INVALID_MANIFEST carrying every issue; the message names the first. */
export function manifestError(issues: ManifestIssue[]): BundleError {
  const first = issues[0];
  const summary = first ? `${first.path || 'manifest'}: ${first.message}` : 'invalid';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new BundleError('INVALID_MANIFEST', `Invalid manifest: ${summary}${more}`, { issues });
}
