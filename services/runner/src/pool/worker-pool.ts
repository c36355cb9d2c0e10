/**
 * RUNNER_WORKERS guest worker threads. Each runs one guest call at a time; calls wait in a bounded
 * FIFO queue for a free worker, preferring one that already holds a warm instance of the same
 * (install, hash) or has the component loaded. A call past its timeout has its worker terminated
 * and replaced at once: the other workers keep serving.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { HostInterface, HostService } from '../host/factor.js';
import type { ComponentLoad, GuestJob, GuestOutcome } from './messages.js';
import { WorkerSlot, type RunningCall } from './worker-slot.js';

export class GuestTimeout extends Error {
  constructor(
    readonly phase: 'queued' | 'running',
    readonly timeoutMs: number,
  ) {
    super(
      phase === 'running' ? 'the guest ran past its timeout' : 'no worker became free within the timeout',
    );
    this.name = 'GuestTimeout';
  }
}

export class QueueFull extends Error {
  constructor() {
    super('every worker is busy and the queue is full');
    this.name = 'QueueFull';
  }
}

export interface PoolTask {
  job: Omit<GuestJob, 'load'>;
  load: ComponentLoad;
  call: RunningCall;
  timeoutMs: number;
}

interface Pending {
  task: PoolTask;
  resolve(outcome: GuestOutcome): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export interface WorkerPoolOptions {
  size: number;
  queueLimit: number;
  workerMaxComponents: number;
  services: ReadonlyMap<HostInterface, HostService>;
  log: FastifyBaseLogger;
}

export interface PoolStats {
  workers: number;
  ready: number;
  busy: number;
  queued: number;
  /** Guest instances kept warm across the workers (per install, content hash and grants). */
  warmInstances: number;
  started: number;
  timeouts: number;
  crashes: number;
}

export class WorkerPool {
  private readonly slots: WorkerSlot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 0;
  private closed = false;
  private readonly counters = { started: 0, timeouts: 0, crashes: 0 };

  constructor(private readonly options: WorkerPoolOptions) {
    for (let i = 0; i < options.size; i++) this.spawn();
  }

  run(task: PoolTask): Promise<GuestOutcome> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    return new Promise((resolve, reject) => {
      const slot = this.pick(task);
      if (slot) {
        this.start(slot, task, resolve, reject);
        return;
      }
      if (this.queue.length >= this.options.queueLimit) {
        reject(new QueueFull());
        return;
      }
      const pending: Pending = {
        task,
        resolve,
        reject,
        timer: setTimeout(() => {
          const at = this.queue.indexOf(pending);
          if (at !== -1) this.queue.splice(at, 1);
          reject(new GuestTimeout('queued', task.timeoutMs));
        }, task.timeoutMs),
      };
      this.queue.push(pending);
    });
  }

  /** Drops a component from every worker (its bundle left the cache). */
  forget(componentKey: string): void {
    for (const slot of this.slots) slot.forget(componentKey);
  }

  stats(): PoolStats {
    return {
      workers: this.slots.length,
      ready: this.slots.filter((s) => s.ready).length,
      busy: this.slots.filter((s) => s.busy).length,
      queued: this.queue.length,
      warmInstances: this.slots.reduce((sum, s) => sum + s.warm.size, 0),
      ...this.counters,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) {
      clearTimeout(pending.timer);
      pending.reject(new Error('the runner is shutting down'));
    }
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private spawn(): void {
    if (this.closed) return;
    this.counters.started++;
    const slot = new WorkerSlot(this.nextId++, this.options.services, this.options.log, {
      onReady: () => this.pump(),
      onExit: (exited) => {
        const at = this.slots.indexOf(exited);
        if (at === -1) return; // removed on purpose (timeout, retirement): already replaced
        this.slots.splice(at, 1);
        this.counters.crashes++;
        if (exited.ready) {
          this.spawn();
          return;
        }
        // A worker that dies before it is ready would die again at once: retry slowly.
        this.options.log.error('a guest worker failed to start; retrying in 1 s');
        setTimeout(() => this.spawn(), 1000).unref();
      },
    });
    this.slots.push(slot);
  }

  private replace(slot: WorkerSlot): void {
    const at = this.slots.indexOf(slot);
    if (at !== -1) this.slots.splice(at, 1);
    slot.terminate();
    this.spawn();
  }

  private pick(task: PoolTask): WorkerSlot | undefined {
    const idle = this.slots.filter((s) => s.ready && !s.busy && s.alive);
    return (
      idle.find((s) => s.warm.has(task.job.instanceKey)) ??
      idle.find((s) => s.loaded.has(task.job.componentKey)) ??
      idle.sort((a, b) => a.loaded.size - b.loaded.size)[0]
    );
  }

  private start(
    slot: WorkerSlot,
    task: PoolTask,
    resolve: (outcome: GuestOutcome) => void,
    reject: (err: Error) => void,
  ): void {
    const job: GuestJob = slot.loaded.has(task.job.componentKey)
      ? task.job
      : { ...task.job, load: task.load };
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.counters.timeouts++;
      this.replace(slot);
      reject(new GuestTimeout('running', task.timeoutMs));
    }, task.timeoutMs);
    slot.run(job, task.call).then(
      (outcome) => {
        clearTimeout(timer);
        if (slot.componentsSeen > this.options.workerMaxComponents) this.replace(slot);
        resolve(outcome);
        this.pump();
      },
      (err: Error) => {
        clearTimeout(timer);
        if (!timedOut) reject(err);
        this.pump();
      },
    );
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      const slot = this.pick(next.task);
      if (!slot) return;
      this.queue.shift();
      clearTimeout(next.timer);
      this.start(slot, next.task, next.resolve, next.reject);
    }
  }
}
