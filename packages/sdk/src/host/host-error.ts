/** Which host interface an error came from. */
export type HostInterface = 'context' | 'logging' | 'config' | 'secrets' | 'kv' | 'http';

/**
 * A host import answered with its error case. `code` is the WIT case (`denied`, `conflict`,
 * `not-allowed`, …); `detail` is the message a variant case carries, when it has one. `denied` means
 * the install was not granted the interface's capability.
 */
export class HostError<Code extends string = string> extends Error {
  override readonly name = 'HostError';

  constructor(
    readonly iface: HostInterface,
    readonly code: Code,
    readonly detail?: string,
  ) {
    super(`${iface}: ${code}${detail ? ` (${detail})` : ''}`);
  }
}

export function isHostError(err: unknown, code?: string): err is HostError {
  return err instanceof HostError && (code === undefined || err.code === code);
}

/**
 * Calls a host import and turns its error case into a HostError. Inside a component the error value
 * arrives as the `payload` of a thrown ComponentError; a host run in-process (useHostBindings) throws the value
 * itself, as jco's host convention has it. Anything else (a trap, a bug) is rethrown unchanged.
 */
export function callHost<T>(iface: HostInterface, call: () => T): T {
  try {
    return call();
  } catch (err) {
    throw toHostError(iface, err) ?? err;
  }
}

function toHostError(iface: HostInterface, err: unknown): HostError | undefined {
  // componentize-js's ComponentError is not `instanceof Error` inside the guest, so look for the field.
  const value = err && typeof err === 'object' && 'payload' in err ? err.payload : err;
  if (typeof value === 'string') return new HostError(iface, value);
  if (value && typeof value === 'object' && typeof (value as { tag?: unknown }).tag === 'string') {
    const { tag, val } = value as { tag: string; val?: unknown };
    return new HostError(iface, tag, typeof val === 'string' ? val : undefined);
  }
  return undefined;
}
