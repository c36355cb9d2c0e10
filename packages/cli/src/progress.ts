import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

/**
 * A byte progress bar on stderr for long work (pack, upload). Silent with --json or when stderr is
 * not a terminal, so logs and pipes stay clean.
 */
export function byteProgress(label: string, total: number, enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {done}/{size} MiB`,
      hideCursor: true,
      stream: process.stderr,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
  bar.start(total, 0, { done: mib(0), size: mib(total) });
  return {
    update: (done, newTotal) => {
      if (newTotal !== undefined && newTotal !== total) {
        total = newTotal;
        bar.setTotal(total);
      }
      bar.update(done, { done: mib(done), size: mib(total) });
    },
    stop: () => bar.stop(),
  };
}
