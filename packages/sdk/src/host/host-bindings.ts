import { hostBindings as builtIn } from '#host-bindings';
import type {
  ContextData,
  HttpResponse,
  KvEntry,
  KvListPage,
  KvSetOptions,
  LogLevel,
  OutgoingRequest,
  UserData,
} from '../wit-types.js';

/**
 * The host side of the `extension` world's imports, one object per WIT interface, in jco's calling
 * convention: a function returning `result<T, E>` returns T, and signals the error case by throwing E
 * (a string for an enum, `{ tag, val }` for a variant). This is what a runner passes to `instantiate`
 * (see `hostImportObject`), and what `useHostBindings` accepts to run handlers outside a component.
 */
export interface HostBindings {
  context: { get(): ContextData; user(): UserData | undefined };
  logging: { log(level: LogLevel, message: string): void };
  config: { get(): string };
  secrets: { get(name: string): string; list(): string[] };
  kv: {
    get(key: string): KvEntry | undefined;
    set(key: string, value: Uint8Array, options: KvSetOptions): bigint;
    delete(key: string, expectedRevision: bigint | undefined): boolean;
    list(prefix: string, cursor: string | undefined, limit: number): KvListPage;
  };
  http: { fetch(req: OutgoingRequest): HttpResponse };
}

// Inside a component built by buildComponent, '#host-bindings' resolves (through the `annex-guest`
// export condition) to the component's real imports; anywhere else it resolves to `undefined`, so this
// package can be imported by Node code (tests, the runner) without the `annex:` modules existing.
let current: HostBindings | undefined = builtIn;

/**
 * Replaces the host imports the SDK's wrappers call. Meant for unit-testing handlers in Node with an
 * in-memory host; pass `undefined` to go back to the built-in ones.
 */
export function useHostBindings(bindings: HostBindings | undefined): void {
  current = bindings ?? builtIn;
}

export function hostBindings(): HostBindings {
  if (!current) {
    throw new Error(
      'Annex host imports are only available inside a component built with buildComponent (or after useHostBindings)',
    );
  }
  return current;
}
