/**
 * Main-thread handle on one guest worker: starts it with its bridge channel, sends it one job at a
 * time, and knows which components it has loaded and which instances it keeps warm (for affinity).
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import type { CallScope, HostInterface, HostService } from '../host/factor.js';
import { serveBridge } from './bridge-server.js';
import type { GuestJob, GuestOutcome, MainToWorker, WorkerToMain } from './messages.js';

export interface RunningCall {
  scope: CallScope;
  linked: readonly HostInterface[];
  onLog(level: string, message: string): void;
}

export class WorkerCrashed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerCrashed';
  }
}

const WORKER_URL = new URL('./guest-worker.js', import.meta.url);

export class WorkerSlot {
  readonly worker: Worker;
  readonly loaded = new Set<string>();
  warm = new Set<string>();
  /** Components loaded over the worker's life; past a cap it is retired (glue stays in its module map). */
  componentsSeen = 0;
  retiring = false;
  ready = false;
  private running:
    { callId: number; call: RunningCall; resolve(o: GuestOutcome): void; reject(e: Error): void } | undefined;
  private exited = false;

  constructor(
    readonly id: number,
    services: ReadonlyMap<HostInterface, HostService>,
    log: FastifyBaseLogger,
    private readonly events: { onReady(slot: WorkerSlot): void; onExit(slot: WorkerSlot): void },
  ) {
    const channel = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    this.worker = new Worker(WORKER_URL, {
      workerData: { bridgePort: channel.port2, signal },
      transferList: [channel.port2],
      execArgv: [],
      // The JS heap of the glue (lifted request and response values); wasm memory is capped apart.
      resourceLimits: { maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 64 },
      stdout: true,
      stderr: true,
    });
    this.worker.stdout.resume();
    this.worker.stderr.resume();
    serveBridge({
      port: channel.port1,
      signal,
      services,
      log,
      callFor: (callId) => (this.running?.callId === callId ? this.running.call : undefined),
    });
    channel.port1.unref();
    this.worker.on('message', (message: WorkerToMain) => this.onMessage(message));
    this.worker.on('error', (err) => this.fail(new WorkerCrashed(`the guest worker failed: ${err.message}`)));
    this.worker.on('exit', () => {
      this.exited = true;
      channel.port1.close();
      this.fail(new WorkerCrashed('the guest worker exited'));
      this.events.onExit(this);
    });
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  get alive(): boolean {
    return !this.exited;
  }

  run(job: GuestJob, call: RunningCall): Promise<GuestOutcome> {
    if (this.running) throw new Error('worker is busy');
    if (job.load) {
      this.loaded.add(job.componentKey);
      this.componentsSeen++;
    }
    const transfer = job.request.http.body ? [job.request.http.body.buffer as ArrayBuffer] : [];
    return new Promise((resolve, reject) => {
      this.running = { callId: job.callId, call, resolve, reject };
      try {
        this.worker.postMessage({ type: 'execute', job } satisfies MainToWorker, transfer);
      } catch (err) {
        this.running = undefined;
        reject(err as Error);
      }
    });
  }

  forget(componentKey: string): void {
    if (!this.loaded.delete(componentKey)) return;
    for (const key of this.warm) if (key.startsWith(`${componentKey}|`)) this.warm.delete(key);
    this.worker.postMessage({ type: 'forget', componentKey } satisfies MainToWorker);
  }

  /** Ends the worker now (a guest past its timeout): the only way to stop a spinning guest. */
  terminate(): void {
    void this.worker.terminate();
  }

  private onMessage(message: WorkerToMain): void {
    const running = this.running;
    if (message.type === 'ready') {
      this.ready = true;
      this.events.onReady(this);
      return;
    }
    if (message.type === 'log') {
      if (running?.callId === message.callId) running.call.onLog(message.level, message.message);
      return;
    }
    if (message.type === 'done' && running?.callId === message.callId) {
      this.warm = new Set(message.warm);
      this.running = undefined;
      running.resolve(message.outcome);
    }
  }

  private fail(err: Error): void {
    const running = this.running;
    this.running = undefined;
    running?.reject(err);
  }
}
