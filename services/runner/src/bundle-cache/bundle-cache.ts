/**
 * Content-addressed disk cache of verified bundles: one copy per hash for all tenants, fetched once
 * however many requests wait for it, verified when it enters and again on this process's first use
 * of it, evicted least recently used first when the cache passes its byte cap, never while in use.
 *
 *   <cache>/bundles/<hex>/bundle.tar.zst   the archive as fetched (re-verification reads it)
 *   <cache>/bundles/<hex>/bundle.sig       the signature document, when the bundle is signed
 *   <cache>/bundles/<hex>/files/…          the unpacked bundle
 *   <cache>/tmp/                           staging and trash; emptied at start
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, utimes, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest } from '@annex/bundle';
import type { BundleStore } from '@annex/store';
import type { FastifyBaseLogger } from 'fastify';
import type { CacheStats } from '../metrics/cache-stats.js';
import { bundleFailure } from './bundle-failure.js';
import { diskUsage } from './disk-files.js';
import { ARCHIVE_FILE, fetchBundle, FILES_DIR, type FetchedBundle } from './fetch-bundle.js';
import { verifyCached } from './verify-cached.js';

export interface BundleLease {
  contentHash: string;
  /** The unpacked bundle. */
  dir: string;
  manifest: Manifest;
  release(): void;
}

interface Entry {
  hex: string;
  bytes: number;
  lastUsed: number;
  refs: number;
  manifest?: Manifest;
}

export interface BundleCacheOptions {
  cacheDir: string;
  store: BundleStore;
  trustPem: string | undefined;
  maxBundleBytes: number;
  maxBytes: number;
  stats: CacheStats;
  log: FastifyBaseLogger;
  /** Extra bytes on disk per hash outside bundles/ (transpiled modules), counted in the cap. */
  extraDirs(hex: string): string[];
  /** A hash left the cache: drop what was derived from it. */
  onEvict(contentHash: string): Promise<void>;
}

export class BundleCache {
  private readonly entries = new Map<string, Entry>();
  private readonly flights = new Map<string, Promise<Entry>>();

  constructor(private readonly options: BundleCacheOptions) {}

  private get bundlesDir() {
    return join(this.options.cacheDir, 'bundles');
  }

  private get tmpDir() {
    return join(this.options.cacheDir, 'tmp');
  }

  /** Reads what a previous process left: every bundle is on probation until it is re-verified. */
  async init(): Promise<void> {
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true });
    await mkdir(this.bundlesDir, { recursive: true });
    for (const hex of await readdir(this.bundlesDir)) {
      const dir = join(this.bundlesDir, hex);
      if (!/^[0-9a-f]{64}$/.test(hex)) {
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      const info = await stat(join(dir, ARCHIVE_FILE)).catch(() => undefined);
      if (!info) {
        await this.discard(hex);
        continue;
      }
      let bytes = await diskUsage(dir);
      for (const extra of this.options.extraDirs(hex)) bytes += await diskUsage(extra);
      this.entries.set(hex, { hex, bytes, lastUsed: info.mtimeMs, refs: 0 });
    }
    await this.evictIfNeeded();
  }

  /** A verified, unpacked bundle, held until `release()`. */
  async acquire(contentHash: string): Promise<BundleLease> {
    const hex = contentHash.slice(7);
    let entry = this.entries.get(hex);
    if (entry?.manifest) {
      this.options.stats.bundles.hits++;
    } else {
      let flight = this.flights.get(hex);
      if (!flight) {
        flight = this.obtain(contentHash).finally(() => this.flights.delete(hex));
        this.flights.set(hex, flight);
      }
      try {
        entry = await flight;
      } catch (err) {
        throw bundleFailure(err, contentHash);
      }
    }
    const held = entry;
    held.refs++;
    held.lastUsed = Date.now();
    let released = false;
    return {
      contentHash,
      dir: join(this.bundlesDir, hex, FILES_DIR),
      manifest: held.manifest!,
      release: () => {
        if (released) return;
        released = true;
        held.refs--;
        void this.evictIfNeeded();
      },
    };
  }

  /** Bytes written for a hash outside bundles/ (the module cache). */
  addBytes(contentHash: string, bytes: number): void {
    const entry = this.entries.get(contentHash.slice(7));
    if (entry) entry.bytes += bytes;
    void this.evictIfNeeded();
  }

  usage(): { entries: number; bytes: number; inUse: number; maxBytes: number } {
    let bytes = 0;
    let inUse = 0;
    for (const entry of this.entries.values()) {
      bytes += entry.bytes;
      if (entry.refs > 0) inUse++;
    }
    return { entries: this.entries.size, bytes, inUse, maxBytes: this.options.maxBytes };
  }

  private async obtain(contentHash: string): Promise<Entry> {
    const hex = contentHash.slice(7);
    const dir = join(this.bundlesDir, hex);
    const onDisk = this.entries.get(hex);
    if (onDisk) {
      this.options.stats.bundles.verifications++;
      try {
        const verified = await verifyCached(dir, contentHash, this.options.trustPem);
        onDisk.manifest = verified.manifest;
        await utimes(dir, new Date(), new Date()).catch(() => {});
        return onDisk;
      } catch (err) {
        this.options.stats.bundles.integrityFailures++;
        this.options.log.warn(
          { contentHash, err },
          'cached bundle failed re-verification: fetching it again',
        );
        this.entries.delete(hex);
        await this.discard(hex);
      }
    }
    this.options.stats.bundles.misses++;
    this.options.stats.bundles.fetches++;
    const staging = join(this.tmpDir, `bundle-${hex}-${randomBytes(6).toString('hex')}`);
    let fetched: FetchedBundle;
    try {
      fetched = await fetchBundle({
        store: this.options.store,
        contentHash,
        trustPem: this.options.trustPem,
        maxBundleBytes: this.options.maxBundleBytes,
        stagingDir: staging,
      });
      await rm(dir, { recursive: true, force: true });
      await rename(staging, dir);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
    const entry: Entry = {
      hex,
      bytes: fetched.bytes,
      lastUsed: Date.now(),
      refs: 0,
      manifest: fetched.manifest,
    };
    this.entries.set(hex, entry);
    await this.evictIfNeeded(hex);
    return entry;
  }

  private async evictIfNeeded(keep?: string): Promise<void> {
    let total = 0;
    for (const entry of this.entries.values()) total += entry.bytes;
    if (total <= this.options.maxBytes) return;
    const candidates = [...this.entries.values()]
      .filter((e) => e.refs === 0 && e.hex !== keep && !this.flights.has(e.hex))
      .sort((a, b) => a.lastUsed - b.lastUsed);
    for (const entry of candidates) {
      if (total <= this.options.maxBytes) break;
      // Re-checked here: an earlier discard awaited, and a request may have taken the entry meanwhile.
      if (entry.refs > 0 || this.entries.get(entry.hex) !== entry || this.flights.has(entry.hex)) continue;
      this.entries.delete(entry.hex);
      total -= entry.bytes;
      this.options.stats.bundles.evictions++;
      await this.discard(entry.hex);
    }
    if (total > this.options.maxBytes) {
      this.options.log.warn(
        { bytes: total, maxBytes: this.options.maxBytes },
        'runner cache above its cap: bundles in use',
      );
    }
  }

  /** Moves a hash's folders out of the way at once (a new fetch may start right after), then deletes them. */
  private async discard(hex: string): Promise<void> {
    const trash = join(this.tmpDir, `trash-${hex}-${randomBytes(6).toString('hex')}`);
    await rename(join(this.bundlesDir, hex), trash).catch(() => {});
    await this.options.onEvict(`sha256:${hex}`);
    await rm(trash, { recursive: true, force: true });
  }
}
