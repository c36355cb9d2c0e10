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

/**
 * Bundle acquisitions served without a store fetch: those answered from memory (`hits`) and those
 * re-verified from the disk cache after a restart (`verifications` that passed). `misses` fetched.
 */
export function bundleHitsAndMisses(stats: CacheStats): { hits: number; misses: number } {
  const { hits, misses, verifications, integrityFailures } = stats.bundles;
  return { hits: hits + verifications - integrityFailures, misses };
}

/** hits / (hits + misses), or null before the first lookup. */
export function hitRatio(hits: number, misses: number): number | null {
  return hits + misses === 0 ? null : hits / (hits + misses);
}
