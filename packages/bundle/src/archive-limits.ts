/**
 * Archive limits of SPEC section 10. Defaults are the contract; callers override them only in
 * tests (or to be stricter), never to accept what the registry would refuse.
 */
export interface ArchiveLimits {
  /** Files and directories together (the archive root `./` included). */
  maxEntries: number;
  /** Sum of file sizes. */
  maxUnpackedBytes: number;
  /** File bytes per compressed byte, checked while streaming. */
  maxRatio: number;
  /**
   * File bytes allowed before the ratio applies: a tiny bundle (a manifest and a few headers of
   * zeros) compresses far beyond 100:1 without being a bomb.
   */
  ratioGraceBytes: number;
  /**
   * Largest zstd window accepted (8 MiB accepts every `zstd` level up to 19 and `annex pack`).
   * Bounds decoder memory, and keeps the pure-JS decoder (which copies its window per block) fast.
   */
  maxWindowBytes: number;
  /** manifest.json is held in memory to validate it. */
  maxManifestBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxEntries: 10_000,
  maxUnpackedBytes: 512 * 1024 * 1024,
  maxRatio: 100,
  ratioGraceBytes: 1024 * 1024,
  maxWindowBytes: 8 * 1024 * 1024,
  maxManifestBytes: 1024 * 1024,
});

export function resolveLimits(overrides: Partial<ArchiveLimits> = {}): ArchiveLimits {
  const limits = { ...DEFAULT_ARCHIVE_LIMITS };
  for (const [key, value] of Object.entries(overrides) as [keyof ArchiveLimits, number | undefined][]) {
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}
