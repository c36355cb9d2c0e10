/**
 * From a verified component file to compiled core modules the workers can instantiate:
 * transpile once per hash (on the transpiler thread, cached on disk across restarts), patch each
 * core module's memory maximum to the call's cap, compile once per (hash, cap) and keep the compiled
 * modules in memory (posted to workers as they need them; never compiled again there).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SUPPORTED_IMPORTS } from '../host/factors.js';
import type { CacheStats } from '../metrics/cache-stats.js';
import type { ComponentLoad } from '../pool/messages.js';
import { ModuleArtifacts, type Artifacts } from './module-artifacts.js';
import { MemoryPatchError, pagesForMiB, patchMemoryMaximum } from './patch-memory.js';
import type { Transpiler } from './transpiler.js';
import '../wasm-globals.js';

/** The guest's minimum memory is above the cap: it could never start. */
export class MemoryTooSmall extends Error {
  constructor(readonly neededPages: number) {
    super(`the component needs ${neededPages} pages of memory at start`);
    this.name = 'MemoryTooSmall';
  }
}

export class UnsupportedComponent extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedComponent';
  }
}

export interface ModuleCacheOptions {
  cacheDir: string;
  secret: string;
  transpiler: Transpiler;
  stats: CacheStats;
  /** Compiled (hash, cap) pairs kept in memory. */
  maxCompiled?: number;
  /** Bytes written to disk for a hash (counted in the disk cache's cap). */
  onDiskBytes(contentHash: string, bytes: number): void;
  /** A compiled component left memory: workers may drop it too. */
  onForget(componentKey: string): void;
  /** How long each transpile (jco, on its thread) and each core module compile took. */
  onTimed?(phase: 'transpile' | 'compile', seconds: number): void;
}

export class ModuleCache {
  private readonly artifacts: ModuleArtifacts;
  /** Artifacts verified (or written) by this process. */
  private readonly trusted = new Map<string, Artifacts>();
  private readonly compiled = new Map<string, ComponentLoad>();
  private readonly inflight = new Map<string, Promise<ComponentLoad>>();
  private readonly artifactFlights = new Map<string, Promise<Artifacts>>();

  constructor(private readonly options: ModuleCacheOptions) {
    this.artifacts = new ModuleArtifacts(options.cacheDir, options.secret);
  }

  /** Compiled components (one per hash and memory cap) held in memory. */
  get compiledCount(): number {
    return this.compiled.size;
  }

  static componentKey(contentHash: string, memoryPages: number): string {
    return `${contentHash.slice(7)}:${memoryPages}`;
  }

  /** Compiled modules for a component, its memory capped at `memoryMb`. */
  load(contentHash: string, componentPath: string, memoryMb: number): Promise<ComponentLoad> {
    const pages = pagesForMiB(memoryMb);
    const key = ModuleCache.componentKey(contentHash, pages);
    const hit = this.compiled.get(key);
    if (hit) {
      this.options.stats.modules.hits++;
      this.compiled.delete(key);
      this.compiled.set(key, hit); // most recently used last
      return Promise.resolve(hit);
    }
    let flight = this.inflight.get(key);
    if (!flight) {
      this.options.stats.modules.misses++;
      flight = this.compile(key, contentHash, componentPath, pages).finally(() => this.inflight.delete(key));
      this.inflight.set(key, flight);
    }
    return flight;
  }

  /**
   * Called before the bundle is fetched: when this hash has never been transpiled by this process,
   * the transpiler thread starts loading now, in parallel with the fetch.
   */
  anticipate(contentHash: string): void {
    if (!this.trusted.has(contentHash)) this.options.transpiler.warm();
  }

  /** Forgets a hash everywhere (its bundle was evicted from the disk cache). */
  async evict(contentHash: string): Promise<void> {
    const hex = contentHash.slice(7);
    this.trusted.delete(contentHash);
    for (const key of [...this.compiled.keys()]) {
      if (key.startsWith(`${hex}:`)) {
        this.compiled.delete(key);
        this.options.onForget(key);
      }
    }
    await this.artifacts.remove(contentHash);
  }

  private async compile(key: string, contentHash: string, componentPath: string, pages: number) {
    const artifacts = await this.artifactsFor(contentHash, componentPath);
    const modules: Record<string, WebAssembly.Module> = {};
    for (const name of artifacts.coreModules) {
      let patched;
      try {
        patched = patchMemoryMaximum(await readFile(join(artifacts.dir, name)), pages);
      } catch (err) {
        if (err instanceof MemoryPatchError)
          throw new UnsupportedComponent(`core module ${name}: ${err.message}`);
        throw err;
      }
      const needed = Math.max(0, ...patched.memories.map((m) => m.initialPages));
      if (needed > pages) throw new MemoryTooSmall(needed);
      const t0 = performance.now();
      modules[name] = await WebAssembly.compile(patched.bytes);
      this.options.onTimed?.('compile', (performance.now() - t0) / 1000);
      this.options.stats.modules.compiles++;
    }
    const load: ComponentLoad = { key, glueUrl: artifacts.glueUrl, modules };
    this.compiled.set(key, load);
    while (this.compiled.size > (this.options.maxCompiled ?? 64)) {
      const oldest = this.compiled.keys().next().value!;
      this.compiled.delete(oldest);
      this.options.onForget(oldest);
    }
    return load;
  }

  private artifactsFor(contentHash: string, componentPath: string): Promise<Artifacts> {
    const known = this.trusted.get(contentHash);
    if (known) return Promise.resolve(known);
    let flight = this.artifactFlights.get(contentHash);
    if (!flight) {
      flight = (async () => {
        let artifacts = await this.artifacts.read(contentHash);
        if (artifacts) {
          this.options.stats.modules.diskHits++;
        } else {
          this.options.stats.modules.transpiles++;
          const t0 = performance.now();
          const transpiled = await this.options.transpiler.transpile(componentPath);
          this.options.onTimed?.('transpile', (performance.now() - t0) / 1000);
          artifacts = await this.artifacts.write(contentHash, transpiled);
          this.options.onDiskBytes(contentHash, artifacts.bytes);
        }
        const unsupported = artifacts.imports.filter((name) => !SUPPORTED_IMPORTS.has(name));
        if (unsupported.length > 0) {
          throw new UnsupportedComponent(
            `the component imports ${unsupported.join(', ')}, which the runner does not provide`,
          );
        }
        this.trusted.set(contentHash, artifacts);
        return artifacts;
      })().finally(() => this.artifactFlights.delete(contentHash));
      this.artifactFlights.set(contentHash, flight);
    }
    return flight;
  }
}
