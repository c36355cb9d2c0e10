/** The capability vocabulary of SPEC section 6 (names as in the Alga anchor). */
export const CAPABILITIES = [
  'cap:context.read',
  'cap:log.emit',
  'cap:config.read',
  'cap:secrets.get',
  'cap:storage.kv',
  'cap:http.fetch',
] as const;

export type Capability = (typeof CAPABILITIES)[number];

/** Granted to every install whether or not the manifest asks for it (SPEC section 6). */
export const ALWAYS_GRANTED_CAPABILITIES: readonly Capability[] = ['cap:config.read'];

export function isCapability(value: unknown): value is Capability {
  return typeof value === 'string' && (CAPABILITIES as readonly string[]).includes(value);
}
