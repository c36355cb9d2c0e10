import type { HostBindings } from './host/host-bindings.js';

/** The WIT package and world every Annex component targets. */
export const WIT_PACKAGE = 'annex:extension@0.1.0';
export const WORLD = 'extension';

/**
 * The keys under which a component transpiled by jco (`instantiation: 'async'`) looks up its Annex host
 * imports. They carry no version: jco's generated `.d.ts` spells them `annex:extension/kv@0.1.0`, but the
 * generated JavaScript reads `imports['annex:extension/kv']`, and only the latter is what instantiation uses.
 */
export const HOST_IMPORTS = {
  context: 'annex:extension/context',
  logging: 'annex:extension/logging',
  config: 'annex:extension/config',
  secrets: 'annex:extension/secrets',
  kv: 'annex:extension/kv',
  http: 'annex:extension/http',
} as const satisfies Record<keyof HostBindings, string>;

/** The export a transpiled component's instance carries the handler under (also as `annex:extension/handler@0.1.0`). */
export const HANDLER_EXPORT = 'handler';

/** The capability each host interface is gated by (SPEC section 6). */
export const IMPORT_CAPABILITIES = {
  context: 'cap:context.read',
  logging: 'cap:log.emit',
  config: 'cap:config.read',
  secrets: 'cap:secrets.get',
  kv: 'cap:storage.kv',
  http: 'cap:http.fetch',
} as const satisfies Record<keyof HostBindings, string>;

/** Turns host implementations keyed by interface name into the import object jco's `instantiate` expects. */
export function hostImportObject(bindings: HostBindings): Record<string, object> {
  const imports: Record<string, object> = {};
  for (const name of Object.keys(HOST_IMPORTS) as Array<keyof HostBindings>) {
    imports[HOST_IMPORTS[name]] = bindings[name];
  }
  return imports;
}
