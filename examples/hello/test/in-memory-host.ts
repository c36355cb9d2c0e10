// An in-memory host for hello's tests: the same object serves the built component (through
// hostImportObject) and the handlers run directly in Node (through useHostBindings).
import type { ContextData, HostBindings, KvEntry, LogLevel } from '@annex/sdk';

export interface InMemoryHost extends HostBindings {
  store: Map<string, KvEntry>;
  lines: Array<[LogLevel, string]>;
  setConfig(value: object): void;
}

export function inMemoryHost(options: { config?: object; context?: ContextData } = {}): InMemoryHost {
  const store = new Map<string, KvEntry>();
  const lines: Array<[LogLevel, string]> = [];
  let configText = JSON.stringify(options.config ?? {});
  const checkKey = (key: string) => {
    if (key === '' || key.length > 512) throw 'invalid-key';
  };
  return {
    store,
    lines,
    setConfig(value) {
      configText = JSON.stringify(value);
    },
    context: {
      get() {
        if (!options.context) throw 'denied';
        return options.context;
      },
      user: () => undefined,
    },
    logging: {
      log(level, message) {
        lines.push([level, message]);
      },
    },
    config: { get: () => configText },
    secrets: {
      get() {
        throw 'denied';
      },
      list() {
        throw 'denied';
      },
    },
    kv: {
      get(key) {
        checkKey(key);
        const entry = store.get(key);
        return entry && { value: entry.value.slice(), revision: entry.revision };
      },
      set(key, value, { expectedRevision }) {
        checkKey(key);
        const current = store.get(key)?.revision ?? 0n;
        if (expectedRevision !== undefined && expectedRevision !== current) throw 'conflict';
        store.set(key, { value: value.slice(), revision: current + 1n });
        return current + 1n;
      },
      delete(key, expectedRevision) {
        checkKey(key);
        const entry = store.get(key);
        if (expectedRevision !== undefined && expectedRevision !== (entry?.revision ?? 0n)) throw 'conflict';
        return store.delete(key);
      },
      list(prefix, cursor, limit) {
        const keys = [...store.keys()]
          .filter((k) => k.startsWith(prefix) && (cursor === undefined || k > cursor))
          .sort();
        const page = keys.slice(0, Math.min(limit, 2)); // tiny pages, so the SDK's paging is exercised
        return page.length < keys.length ? { keys: page, cursor: page[page.length - 1] } : { keys: page };
      },
    },
    http: {
      fetch() {
        throw { tag: 'denied' };
      },
    },
  };
}
