/** An error answer of the registry: `{"error":{"code","message","details"?}}` plus the status. */
export class AnnexApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AnnexApiError';
  }
}

/** The registry could not be reached at all (DNS, refused, timeout). */
export class AnnexNetworkError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`could not reach ${new URL(url).origin}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'AnnexNetworkError';
  }
}
