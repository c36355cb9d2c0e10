/** Quotas count per minute: a window is the minute an execution started in (UTC). */
export const WINDOW_MS = 60_000;

export function windowStartOf(nowMs: number): number {
  return Math.floor(nowMs / WINDOW_MS) * WINDOW_MS;
}

/** Whole seconds until the window of `nowMs` ends, at least 1: the `Retry-After` of a refusal. */
export function secondsLeftInWindow(nowMs: number): number {
  return Math.max(1, Math.ceil((windowStartOf(nowMs) + WINDOW_MS - nowMs) / 1000));
}
