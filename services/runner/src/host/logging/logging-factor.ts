import { HOST_IMPORTS, IMPORT_CAPABILITIES, type LogLevel } from '@annex/sdk';
import type { GuestFactor } from '../factor.js';
import type { RunnerLimits } from '../../runner-limits.js';

const LEVELS: ReadonlySet<string> = new Set(['trace', 'debug', 'info', 'warn', 'error']);

/** Cuts a string to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString('utf8')}…`;
}

/**
 * `cap:log.emit`: lines go to the runner's log, stamped on the main thread with the call's request
 * id, tenant and extension (the guest cannot choose them). Each line is cut at `maxLineBytes`; past
 * the per-call budget of lines or bytes the guest gets `rate-limited`.
 */
export const loggingFactor: GuestFactor<'logging'> = {
  name: 'logging',
  capability: IMPORT_CAPABILITIES.logging,
  witInterface: HOST_IMPORTS.logging,
  callData: (_request, limits) => limits.log,
  link: (scope) => ({
    log(level: LogLevel, message: string) {
      const call = scope.call();
      const budget = call.data.logging as RunnerLimits['log'];
      const line = truncateUtf8(String(message), budget.maxLineBytes);
      const lines = (call.counters.logLines ?? 0) + 1;
      const bytes = (call.counters.logBytes ?? 0) + Buffer.byteLength(line);
      if (lines > budget.maxLinesPerCall || bytes > budget.maxBytesPerCall) throw 'rate-limited';
      call.counters.logLines = lines;
      call.counters.logBytes = bytes;
      scope.post({ type: 'log', level: LEVELS.has(level) ? level : 'info', message: line });
    },
  }),
  denied: () => ({
    log() {
      throw 'denied';
    },
  }),
};
