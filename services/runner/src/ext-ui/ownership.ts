import type { Database } from '@annex/db';
import type { Kysely } from 'kysely';

export interface OwnershipOptions {
  db: Kysely<Database>;
  positiveTtlMs?: number;
  negativeTtlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/**
 * "Does extension X own content hash H?" for `/ext-ui`. The runner reads the registry's catalog
 * table `extension_version` directly (both services share the database; catalog tables need no
 * tenant scope) instead of calling the registry over HTTP. Answers are cached: yes for 60 s (a
 * published version never changes owner), no for 2 s only, so a fresh publish is served within
 * seconds. Lookups for the same key share one query.
 */
export class OwnershipCache {
  private readonly entries = new Map<string, { owned: boolean; expires: number }>();
  private readonly inflight = new Map<string, Promise<boolean>>();
  private readonly positiveTtlMs: number;
  private readonly negativeTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly options: OwnershipOptions) {
    this.positiveTtlMs = options.positiveTtlMs ?? 60_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 2_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  async owns(extensionId: string, contentHash: string): Promise<boolean> {
    const key = `${extensionId}|${contentHash}`;
    const cached = this.entries.get(key);
    if (cached && cached.expires > this.now()) return cached.owned;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.lookup(extensionId, contentHash).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    const owned = await pending;
    if (this.entries.size >= this.maxEntries) {
      // Oldest first (Map keeps insertion order).
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.delete(key);
    this.entries.set(key, { owned, expires: this.now() + (owned ? this.positiveTtlMs : this.negativeTtlMs) });
    return owned;
  }

  private async lookup(extensionId: string, contentHash: string): Promise<boolean> {
    const row = await this.options.db
      .selectFrom('extension_version')
      .select('id')
      .where('registry_id', '=', extensionId)
      .where('content_hash', '=', contentHash)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }
}
