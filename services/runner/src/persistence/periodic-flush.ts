/**
 * A write that runs every `flushMs`, on demand, and once more at close: the runner's batched
 * database writes (quota usage, execution log rows) keep their rows in memory between flushes and
 * hand this the write. Concurrent flushes share one write; close waits for the one in flight, then
 * runs a last one.
 */
export class PeriodicFlush {
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | undefined;

  constructor(
    private readonly write: () => Promise<void>,
    flushMs: number,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  flush(): Promise<void> {
    this.running ??= this.write().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.flush();
  }
}
