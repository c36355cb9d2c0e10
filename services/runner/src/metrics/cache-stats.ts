/** In-process counters of the caches, read by GET /v1/cache/stats and by tests. */
export interface CacheStats {
  bundles: {
    /** acquire() answered from a bundle already verified by this process. */
    hits: number;
    /** acquire() that had to fetch from the store. */
    misses: number;
    fetches: number;
    /** Re-verifications of a bundle found on disk (first use by this process). */
    verifications: number;
    /** Cached bundles found tampered or damaged (then refetched). */
    integrityFailures: number;
    evictions: number;
  };
  modules: {
    /** Compiled modules found in memory. */
    hits: number;
    misses: number;
    /** Transpiled artifacts reused from disk. */
    diskHits: number;
    transpiles: number;
    /** WebAssembly.compile calls (one per core module). */
    compiles: number;
  };
}

export function newCacheStats(): CacheStats {
  return {
    bundles: { hits: 0, misses: 0, fetches: 0, verifications: 0, integrityFailures: 0, evictions: 0 },
    modules: { hits: 0, misses: 0, diskHits: 0, transpiles: 0, compiles: 0 },
  };
}
