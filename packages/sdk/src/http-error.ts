/**
 * Throw from a handler to answer with this status and the platform's error shape
 * `{"error":{"code","message"}}`; defineHandler turns it into the response.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}
