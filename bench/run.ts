/**
 * `pnpm bench [name …]`: runs each benchmark in its own Node process (one at a time, so they do
 * not share the two cores), then writes their tables into docs/benchmarks.md and the headline
 * figures into the README. A benchmark that fails or overruns its budget is reported and the
 * others still run; the exit code says whether all of them finished.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { renderHeadline, renderTable, replaceBlock } from './lib/render-docs.js';
import type { BenchResult } from './lib/report.js';

/** In run order, with the wall-time budget of each (the whole run stays under 15 minutes). */
export const BENCHMARKS = [
  { name: 'catalog', budgetS: 150, what: 'catalog reads vs Verdaccio' },
  { name: 'publish', budgetS: 180, what: 'publish 1/20/200 MiB vs a raw S3 PUT; registry RSS' },
  { name: 'execute', budgetS: 240, what: 'warm execute vs a bare route and jco serve; cold start' },
  { name: 'ext-ui', budgetS: 90, what: 'UI assets vs nginx' },
  { name: 'scenario', budgetS: 180, what: 'end to end: 100 tenants through the gateway' },
] as const;

const root = fileURLToPath(new URL('..', import.meta.url));

/** The running benchmark's process group: Ctrl-C and the budget stop it with every peer it started. */
let current: number | undefined;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (current !== undefined) killGroup(current);
    process.exit(130);
  });
}

function runOne(name: string, budgetS: number): Promise<{ ok: boolean; seconds: number; reason?: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    // A group of its own, so that stopping it also stops the peers it spawned (jco serve, Verdaccio,
    // nginx) even when it cannot clean up after itself.
    const child = spawn(process.execPath, ['--import=tsx', `bench/${name}.ts`], {
      cwd: root,
      stdio: 'inherit',
      detached: true,
    });
    current = child.pid;
    let overran = false;
    const timer = setTimeout(() => {
      overran = true;
      killGroup(child.pid!);
    }, budgetS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      killGroup(child.pid!); // anything it left behind
      current = undefined;
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) resolve({ ok: true, seconds });
      else
        resolve({
          ok: false,
          seconds,
          reason: overran
            ? `stopped after its budget of ${budgetS} s`
            : signal
              ? `killed (${signal})`
              : `exit ${code}`,
        });
    });
  });
}

/** Writes markdown as the repository's Prettier settings would (lint checks the docs too). */
async function writeFormatted(file: string, text: string): Promise<void> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  await writeFile(file, await prettier.format(text, { ...options, filepath: file }));
}

async function main(): Promise<number> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !BENCHMARKS.some((b) => b.name === w));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown benchmark ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}\n`,
    );
    return 2;
  }
  const selected = BENCHMARKS.filter((b) => wanted.length === 0 || wanted.includes(b.name));
  const outcomes: string[] = [];
  let failed = 0;
  for (const bench of selected) {
    process.stdout.write(`\n== ${bench.name}: ${bench.what} (budget ${bench.budgetS} s)\n`);
    const outcome = await runOne(bench.name, bench.budgetS);
    if (!outcome.ok) failed++;
    outcomes.push(
      `${bench.name.padEnd(10)} ${outcome.ok ? 'ok    ' : 'FAILED'} ${outcome.seconds.toFixed(0)} s${outcome.reason ? `  ${outcome.reason}` : ''}`,
    );
  }

  // Every result on disk, fresh or from an earlier run, goes into the docs.
  const results: BenchResult[] = [];
  for (const bench of BENCHMARKS) {
    const file = `${root}bench/results/${bench.name}.json`;
    if (existsSync(file)) results.push(JSON.parse(await readFile(file, 'utf8')) as BenchResult);
  }
  let docs = await readFile(`${root}docs/benchmarks.md`, 'utf8');
  for (const result of results) docs = replaceBlock(docs, result.name, renderTable(result));
  await writeFormatted(`${root}docs/benchmarks.md`, docs);
  const readme = await readFile(`${root}README.md`, 'utf8');
  await writeFormatted(`${root}README.md`, replaceBlock(readme, 'headline', renderHeadline(results)));

  process.stdout.write(
    `\n${outcomes.join('\n')}\nresults: bench/results/*.json, tables: docs/benchmarks.md\n`,
  );
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
