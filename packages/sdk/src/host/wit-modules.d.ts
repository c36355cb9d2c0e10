// The modules componentize-js provides inside a component for the world's imports. Inside the guest a
// host error arrives as a thrown ComponentError whose `payload` is the WIT error value.
// Ambient module declarations cannot `import` a relative module, so the types come in as import() types.
/* eslint-disable @typescript-eslint/consistent-type-imports */

declare module 'annex:extension/config@0.1.0' {
  export function get(): string;
}

declare module 'annex:extension/context@0.1.0' {
  type ContextData = import('../wit-types.js').ContextData;
  type UserData = import('../wit-types.js').UserData;
  export function get(): ContextData;
  export function user(): UserData | undefined;
}

declare module 'annex:extension/logging@0.1.0' {
  type LogLevel = import('../wit-types.js').LogLevel;
  export function log(level: LogLevel, message: string): void;
}

declare module 'annex:extension/secrets@0.1.0' {
  export function get(name: string): string;
  export function list(): string[];
}

declare module 'annex:extension/kv@0.1.0' {
  type KvEntry = import('../wit-types.js').KvEntry;
  type KvListPage = import('../wit-types.js').KvListPage;
  type KvSetOptions = import('../wit-types.js').KvSetOptions;
  export function get(key: string): KvEntry | undefined;
  export function set(key: string, value: Uint8Array, options: KvSetOptions): bigint;
  function _delete(key: string, expectedRevision: bigint | undefined): boolean;
  export { _delete as delete };
  export function list(prefix: string, cursor: string | undefined, limit: number): KvListPage;
}

declare module 'annex:extension/http@0.1.0' {
  type HttpResponse = import('../wit-types.js').HttpResponse;
  type OutgoingRequest = import('../wit-types.js').OutgoingRequest;
  export function fetch(req: OutgoingRequest): HttpResponse;
}
