import { parseExtensionRef } from '../catalog/extension-ref.js';
import type { InstallChange, InstallChanges } from '../installs/install-changes.js';
import type { InstallTarget } from './install-target.js';

export interface InstallCacheOptions {
  /** How long an entry (found or not) is trusted; the staleness bound across instances. */
  ttlMs: number;
  maxEntries: number;
  load(tenantId: string, ref: string): Promise<InstallTarget | undefined>;
  now?: () => number;
}

interface Entry {
  expires: number;
  value: Promise<InstallTarget | undefined>;
  extensionId?: string;
}

/** `id` or `publisher.name`, spelled one way so a slug and a differently cased id share an entry. */
function canonicalRef(ref: string): string {
  const parsed = parseExtensionRef(ref);
  if (!parsed) return ref;
  return 'id' in parsed ? parsed.id : `${parsed.publisher}.${parsed.name}`;
}

/**
 * Install lookups of the gateway's hot path, cached for `ttlMs` (absent installs too, so unknown
 * extensions cannot hammer the database). Changes made through this instance invalidate at once
 * (InstallChanges); another instance's changes are seen within `ttlMs`. Concurrent misses share one
 * load, and a load that raced an invalidation is not kept.
 */
export function createInstallCache(options: InstallCacheOptions, changes: InstallChanges) {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  let generation = 0;

  const keyOf = (tenantId: string, ref: string) => `${tenantId}\n${canonicalRef(ref)}`;

  function invalidate(change: InstallChange): void {
    generation += 1;
    entries.delete(keyOf(change.tenantId, change.extensionId));
    entries.delete(keyOf(change.tenantId, change.slug));
    const prefix = `${change.tenantId}\n`;
    for (const [key, entry] of entries) {
      if (key.startsWith(prefix) && entry.extensionId === change.extensionId) entries.delete(key);
    }
  }
  const unsubscribe = changes.subscribe(invalidate);

  return {
    async get(tenantId: string, ref: string): Promise<InstallTarget | undefined> {
      const key = keyOf(tenantId, ref);
      const hit = entries.get(key);
      if (hit && hit.expires > now()) return hit.value;
      if (hit) entries.delete(key);
      const started = generation;
      const entry: Entry = { expires: now() + options.ttlMs, value: options.load(tenantId, ref) };
      entries.set(key, entry);
      if (entries.size > options.maxEntries) entries.delete(entries.keys().next().value!);
      try {
        const value = await entry.value;
        if (value) entry.extensionId = value.extensionId;
        if (generation !== started && entries.get(key) === entry) entries.delete(key);
        return value;
      } catch (err) {
        if (entries.get(key) === entry) entries.delete(key);
        throw err;
      }
    },
    invalidate,
    clear(): void {
      generation += 1;
      entries.clear();
    },
    close: unsubscribe,
  };
}

export type InstallCache = ReturnType<typeof createInstallCache>;
