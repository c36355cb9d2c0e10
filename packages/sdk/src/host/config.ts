import { callHost } from './host-error.js';
import { hostBindings } from './host-bindings.js';

/**
 * The install's configuration (validated by the registry against the manifest's `config` schema;
 * `{}` when none was set). Read per call rather than cached: warm instances outlive config changes.
 */
export function config<T extends object = Record<string, unknown>>(): T {
  const text = callHost('config', () => hostBindings().config.get());
  return (text ? JSON.parse(text) : {}) as T;
}
