import type { FastifyBaseLogger } from 'fastify';

export interface ShutdownOptions {
  logger: FastifyBaseLogger;
  /** Run in order: stop accepting and finish in-flight requests first, then release resources. */
  steps: (() => Promise<void>)[];
  /** Exit anyway after this long (Kubernetes sends SIGKILL after its grace period). */
  timeoutMs?: number;
  exit?: (code: number) => void;
}

/**
 * On SIGTERM or SIGINT: stop taking requests, let in-flight ones finish, close resources, exit 0.
 * A second signal or the timeout exits at once with 1.
 */
export function exitOnSignals(options: ShutdownOptions): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      options.logger.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    shuttingDown = true;
    options.logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const timer = setTimeout(() => {
      options.logger.error('shutdown timed out: exiting');
      exit(1);
    }, options.timeoutMs ?? 25_000);
    timer.unref();
    void (async () => {
      try {
        for (const step of options.steps) await step();
        options.logger.info('shut down cleanly');
        exit(0);
      } catch (err) {
        options.logger.error({ err }, 'shutdown failed');
        exit(1);
      }
    })();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
