import type { KvEntry, KvListPage } from '../wit-types.js';
import { HostError, callHost } from './host-error.js';
import { hostBindings } from './host-bindings.js';

export interface KvWriteOptions {
  /**
   * Compare-and-set: `0` writes only if the key does not exist, `n` only if its current revision is n.
   * A mismatch throws HostError `conflict`.
   */
  expectedRevision?: bigint | number;
  /** The entry expires this long after the write. */
  ttlMs?: bigint | number;
}

export interface KvListOptions {
  /** From a previous page's `cursor`. */
  cursor?: string;
  /** Page size; the host caps it. */
  limit?: number;
}

export interface KvUpdateOptions {
  /** Conflicting writes tolerated before giving up with HostError `conflict`. */
  retries?: number;
  ttlMs?: bigint | number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const toU64 = (n: bigint | number | undefined) => (n === undefined ? undefined : BigInt(n));

/**
 * The install's key-value store (`cap:storage.kv`). Values are bytes; the text and JSON variants encode
 * UTF-8. Errors are HostError with a KvErrorCode (`denied`, `conflict`, `quota-exceeded`, …).
 */
export const kv = {
  get(key: string): KvEntry | undefined {
    return callHost('kv', () => hostBindings().kv.get(key));
  },

  getText(key: string): string | undefined {
    const entry = kv.get(key);
    return entry && decoder.decode(entry.value);
  },

  getJson<T = unknown>(key: string): T | undefined {
    const entry = kv.get(key);
    return entry && (JSON.parse(decoder.decode(entry.value)) as T);
  },

  /** Returns the new revision. */
  set(key: string, value: Uint8Array | string, options: KvWriteOptions = {}): bigint {
    const bytes = typeof value === 'string' ? encoder.encode(value) : value;
    const setOptions = { expectedRevision: toU64(options.expectedRevision), ttlMs: toU64(options.ttlMs) };
    return callHost('kv', () => hostBindings().kv.set(key, bytes, setOptions));
  },

  setJson(key: string, value: unknown, options?: KvWriteOptions): bigint {
    return kv.set(key, JSON.stringify(value), options);
  },

  /** Returns whether there was a value to delete. */
  delete(key: string, options: { expectedRevision?: bigint | number } = {}): boolean {
    return callHost('kv', () => hostBindings().kv.delete(key, toU64(options.expectedRevision)));
  },

  /** One page of keys starting with `prefix`, sorted. */
  list(prefix = '', options: KvListOptions = {}): KvListPage {
    return callHost('kv', () => hostBindings().kv.list(prefix, options.cursor, options.limit ?? 100));
  },

  /** Every key starting with `prefix`, sorted, following cursors page by page. */
  keys(prefix = ''): string[] {
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = kv.list(prefix, cursor === undefined ? {} : { cursor });
      keys.push(...page.keys);
      // A cursor that does not move would loop forever; trust the host only while it advances.
      cursor = page.cursor !== undefined && page.cursor !== cursor ? page.cursor : undefined;
    } while (cursor !== undefined);
    return keys;
  },

  /**
   * Read-modify-write of a JSON value with compare-and-set, retried on conflicts: `fn` gets the
   * current value (`undefined` when absent) and returns the new one. Safe against concurrent
   * requests of the same install, which may run in other instances.
   */
  update<T>(
    key: string,
    fn: (current: T | undefined) => T,
    options: KvUpdateOptions = {},
  ): { value: T; revision: bigint } {
    const retries = options.retries ?? 5;
    for (let attempt = 0; ; attempt++) {
      const entry = kv.get(key);
      const value = fn(entry && (JSON.parse(decoder.decode(entry.value)) as T));
      const expectedRevision = entry ? entry.revision : 0n;
      try {
        const writeOptions =
          options.ttlMs === undefined ? { expectedRevision } : { expectedRevision, ttlMs: options.ttlMs };
        return { value, revision: kv.setJson(key, value, writeOptions) };
      } catch (err) {
        if (!(err instanceof HostError && err.code === 'conflict') || attempt >= retries) throw err;
      }
    }
  },
};
