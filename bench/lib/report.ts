/**
 * The one format every benchmark writes (`bench/results/<name>.json`) and `pnpm bench` turns into
 * the tables of docs/benchmarks.md: each row is our figure beside a peer's or a limit's, measured
 * in the same run on the same machine, and their ratio.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem } from 'node:os';

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  platform: string;
}

/** One comparison. `higherIsBetter` says how to read the ratio (req/s yes, ms and MiB no). */
export interface BenchRow {
  /** What was measured: `echo (WAT), warm`. */
  case: string;
  /** Unit of `ours` and `other`: `req/s`, `ms`, `MiB/s`, `MiB`. */
  unit: string;
  ours: number;
  other: number;
  /** The peer or limit: `bare Fastify route (limit)`, `jco serve (peer)`. */
  against: string;
  kind: 'peer' | 'limit';
  higherIsBetter: boolean;
  /** ours / other. */
  ratio: number;
  oursP50Ms?: number;
  oursP99Ms?: number;
  otherP50Ms?: number;
  otherP99Ms?: number;
  note?: string;
}

export interface BenchResult {
  name: string;
  title: string;
  date: string;
  machine: Machine;
  rows: BenchRow[];
  /** Figures that have no counterpart (RSS, cache figures), shown under the table. */
  extra?: Record<string, unknown>;
  notes?: string[];
}

export function machine(): Machine {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function row(fields: Omit<BenchRow, 'ratio'>): BenchRow {
  return { ...fields, ratio: fields.other === 0 ? 0 : fields.ours / fields.other };
}

export async function writeResult(result: Omit<BenchResult, 'date' | 'machine'>): Promise<BenchResult> {
  const full: BenchResult = { ...result, date: new Date().toISOString(), machine: machine() };
  const dir = new URL('../results/', import.meta.url);
  await mkdir(dir, { recursive: true });
  await writeFile(new URL(`${result.name}.json`, dir), `${JSON.stringify(full, null, 2)}\n`);
  return full;
}
