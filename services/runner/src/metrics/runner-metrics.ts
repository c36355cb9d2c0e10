/**
 * The runner's Prometheus instruments, on the service's own registry (`app.metrics.registry`).
 * Executions are counted by an execution observer; the caches and the pool are read at scrape time
 * from the counters they already keep (no second bookkeeping). Labels: `extension` (the extension id,
 * bounded by the catalog), `status` (`ok` or the runner's error code), `phase` (`transpile` or
 * `compile`); never tenant ids (per-tenant figures live in the database).
 */
import { isUuid } from '@annex/db';
import { Counter, Gauge, Histogram, type Registry } from '@annex/server';
import type { ExecutionOutcome } from '../execute/execution-outcome.js';
import type { RunnerRuntime } from '../runner-runtime.js';
import { bundleHitsAndMisses } from './cache-stats.js';

export type CompilePhase = 'transpile' | 'compile';

const MiB = 1024 * 1024;
/**
 * The `extension` label: the envelope's extension id when it is a UUID (as the registry sends), else
 * `other`, so a caller holding the runner token cannot grow the label set with free text (any UUID
 * still makes a series: the token is a platform secret, not a tenant's).
 */
function extensionLabel(extensionId: string): string {
  return isUuid(extensionId) ? extensionId.toLowerCase() : 'other';
}

export interface RunnerMetrics {
  /** Handed to the module cache: one observation per transpile and per core module compile. */
  observeCompile(phase: CompilePhase, seconds: number): void;
  /** Reads the runtime's caches and pool at scrape time, and observes its executions. */
  attach(runtime: Pick<RunnerRuntime, 'stats' | 'bundles' | 'pool' | 'hooks'>): void;
}

type Sources = Pick<RunnerRuntime, 'stats' | 'bundles' | 'pool'>;

/** A counter whose value is read at scrape time from a count the runtime already keeps. */
function countFrom(registry: Registry, name: string, help: string, read: () => number | undefined) {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const value = read();
      if (value === undefined) return;
      this.reset();
      this.inc(value);
    },
  });
}

function gaugeFrom(registry: Registry, name: string, help: string, read: () => number | undefined) {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      const value = read();
      if (value !== undefined) this.set(value);
    },
  });
}

export function createRunnerMetrics(registry: Registry): RunnerMetrics {
  const registers = [registry];
  const executeDuration = new Histogram({
    name: 'annex_execute_duration_seconds',
    help: 'Execution duration by extension and outcome (ok, or the runner error code)',
    labelNames: ['extension', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const executeTotal = new Counter({
    name: 'annex_execute_total',
    help: 'Executions by extension and outcome (ok, or the runner error code)',
    labelNames: ['extension', 'status'] as const,
    registers,
  });
  const guestMemory = new Histogram({
    name: 'annex_guest_memory_bytes',
    help: 'Guest linear memory at the end of each answered execution, by extension',
    labelNames: ['extension'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096].map((n) => n * MiB),
    registers,
  });
  const egressBytes = new Counter({
    name: 'annex_egress_bytes_total',
    help: 'Bytes guests sent and received through http.fetch, by extension',
    labelNames: ['extension'] as const,
    registers,
  });
  const timeouts = new Counter({
    name: 'annex_timeouts_total',
    help: 'Executions past their timeout (queued or running), by extension',
    labelNames: ['extension'] as const,
    registers,
  });
  const traps = new Counter({
    name: 'annex_traps_total',
    help: 'Executions whose guest trapped or whose worker crashed, by extension',
    labelNames: ['extension'] as const,
    registers,
  });
  const compileSeconds = new Histogram({
    name: 'annex_module_compile_seconds',
    help: 'Component transpiles (jco) and core module compiles (WebAssembly.compile), by phase',
    labelNames: ['phase'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });

  let sources: Sources | undefined;
  const bundleCounts = () => (sources ? bundleHitsAndMisses(sources.stats) : undefined);
  countFrom(
    registry,
    'annex_bundle_cache_hits_total',
    'Bundle lookups served without a store fetch (from memory, or re-verified from disk)',
    () => bundleCounts()?.hits,
  );
  countFrom(
    registry,
    'annex_bundle_cache_misses_total',
    'Bundle lookups that fetched from the store',
    () => bundleCounts()?.misses,
  );
  countFrom(
    registry,
    'annex_bundle_cache_evictions_total',
    'Bundles evicted from the disk cache (least recently used first, past RUNNER_CACHE_MAX_BYTES)',
    () => sources?.stats.bundles.evictions,
  );
  gaugeFrom(
    registry,
    'annex_bundle_cache_bytes',
    'Bytes in the disk cache (bundles, unpacked files and transpiled modules)',
    () => sources?.bundles.usage().bytes,
  );
  const pool = () => sources?.pool.stats();
  gaugeFrom(registry, 'annex_worker_pool_size', 'Guest worker threads', () => pool()?.workers);
  gaugeFrom(registry, 'annex_worker_pool_busy', 'Guest worker threads running a call', () => pool()?.busy);
  gaugeFrom(
    registry,
    'annex_worker_pool_queued',
    'Executions waiting for a free worker',
    () => pool()?.queued,
  );

  const observeExecution = (outcome: ExecutionOutcome) => {
    const extension = extensionLabel(outcome.envelope.context.extension_id);
    const labels = { extension, status: outcome.outcome };
    executeTotal.inc(labels);
    executeDuration.observe(labels, outcome.durationMs / 1000);
    if (outcome.memoryBytes > 0) guestMemory.observe({ extension }, outcome.memoryBytes);
    if (outcome.egressBytes > 0) egressBytes.inc({ extension }, outcome.egressBytes);
    if (outcome.outcome === 'TIMEOUT') timeouts.inc({ extension });
    if (outcome.outcome === 'GUEST_TRAP') traps.inc({ extension });
  };

  return {
    observeCompile: (phase, seconds) => compileSeconds.observe({ phase }, seconds),
    attach(runtime) {
      sources = runtime;
      runtime.hooks.observers.push(observeExecution);
    },
  };
}
