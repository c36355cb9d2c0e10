/** Small load drivers for the benchmarks: sequential latency percentiles and concurrent throughput. */
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

/** p50/p99 of `count` sequential calls, after 50 warm-up calls. */
export async function latency(send: () => Promise<unknown>, count: number) {
  for (let i = 0; i < 50; i++) await send();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await send();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { p50: pct(times, 0.5), p99: pct(times, 0.99) };
}

/** Calls per second with `concurrency` callers for `seconds`. */
export async function throughput(send: () => Promise<unknown>, seconds: number, concurrency = 32) {
  let done = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        await send();
        done++;
      }
    }),
  );
  return done / seconds;
}
