import { readFileSync } from 'node:fs';

/** Samples a process's resident set size from /proc every `intervalMs`; Linux only. */
export function sampleRss(pid: number, intervalMs = 10) {
  const read = (): number => {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  };
  let peak = read();
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, read());
    } catch {
      clearInterval(timer);
    }
  }, intervalMs);
  return {
    now: read,
    /** The highest RSS seen since the last reset. */
    peak: () => peak,
    reset: () => {
      peak = read();
    },
    stop: () => clearInterval(timer),
  };
}
