/**
 * Main-thread client of the transpiler thread: started on the first transpile, ended after a minute
 * idle (jco and its bindgen component hold ~100 MB), replaced when a transpile runs past its limit.
 */
import { Worker } from 'node:worker_threads';
import type { TranspileReply } from './transpile-worker.js';

const WORKER_URL = new URL('./transpile-worker.js', import.meta.url);
const IDLE_MS = 60_000;

export class TranspileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TranspileError';
  }
}

export interface Transpiled {
  files: Record<string, Uint8Array>;
  imports: string[];
}

export class Transpiler {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(r: Transpiled): void; reject(e: Error): void }>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  transpile(componentPath: string): Promise<Transpiled> {
    const worker = this.ensureWorker();
    clearTimeout(this.idleTimer);
    const id = ++this.nextId;
    return new Promise<Transpiled>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.stop(new TranspileError(`transpiling took longer than ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      worker.postMessage({ id, componentPath });
    }).finally(() => this.scheduleIdle());
  }

  /** Starts the thread ahead of a likely transpile (it takes a few hundred ms to load jco). */
  warm(): void {
    this.ensureWorker();
    this.scheduleIdle();
  }

  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(new TranspileError('the runner is shutting down'));
    this.pending.clear();
    await worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_URL, { execArgv: [] });
    worker.on('message', (reply: TranspileReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve({ files: reply.files, imports: reply.imports });
      else p.reject(new TranspileError(`the component could not be transpiled: ${reply.message}`));
    });
    worker.on('error', (err) => this.stop(new TranspileError(`the transpiler failed: ${err.message}`)));
    worker.on('exit', () => {
      if (this.worker === worker) this.stop(new TranspileError('the transpiler exited'));
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private stop(err: Error): void {
    const worker = this.worker;
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    void worker?.terminate();
  }

  private scheduleIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.pending.size > 0) return;
    this.idleTimer = setTimeout(() => void this.close(), IDLE_MS);
    this.idleTimer.unref();
  }
}
