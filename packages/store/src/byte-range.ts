import type { ByteRange } from './bundle-store.js';
import { RangeNotSatisfiableError } from './store-errors.js';

/** Throws RangeError for a range no caller should build (negative, fractional, end before start). */
export function assertRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError('range start must be an integer >= 0');
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) {
    throw new RangeError('range end must be an integer >= start');
  }
}

/** The inclusive range actually served from an object of `totalSize` bytes (end clamped, as in HTTP). */
export function resolveRange(
  key: string,
  range: ByteRange,
  totalSize: number,
): { start: number; end: number } {
  if (range.start >= totalSize) throw new RangeNotSatisfiableError(key, totalSize);
  return { start: range.start, end: Math.min(range.end ?? totalSize - 1, totalSize - 1) };
}
