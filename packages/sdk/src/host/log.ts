import type { LogLevel } from '../wit-types.js';
import { hostBindings } from './host-bindings.js';

export type LogFields = Record<string, unknown>;

/**
 * Writes a line to the runner's log (`cap:log.emit`). Logging never throws: a line the host refuses
 * (no capability, over its budget) is dropped, so a log call cannot break a handler. Fields are
 * appended to the message as JSON because the WIT carries a message only.
 */
function emit(level: LogLevel, message: string, fields?: LogFields): void {
  let line = message;
  try {
    if (fields && Object.keys(fields).length > 0) line += ` ${JSON.stringify(fields, jsonSafe)}`;
    hostBindings().logging.log(level, line);
  } catch {
    // Dropped on purpose, see above.
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

export const log = {
  trace: (message: string, fields?: LogFields) => emit('trace', message, fields),
  debug: (message: string, fields?: LogFields) => emit('debug', message, fields),
  info: (message: string, fields?: LogFields) => emit('info', message, fields),
  warn: (message: string, fields?: LogFields) => emit('warn', message, fields),
  error: (message: string, fields?: LogFields) => emit('error', message, fields),
};
