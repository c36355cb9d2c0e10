/**
 * Entry of a guest worker thread. Runs one job at a time (the main thread never sends a second
 * before the first is done): loads the component if needed, takes a warm instance or makes one,
 * calls `handler.handle`, checks the answer, and reports. A spinning guest is stopped from outside
 * (worker.terminate()); nothing in here could preempt it.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { HttpResponse } from '@annex/sdk';
import { BridgeClient } from './bridge-client.js';
import {
  classifyFailure,
  createInstance,
  type GuestInstance,
  type LoadedComponent,
} from './guest-instance.js';
import type { GuestFailure, GuestJob, GuestOutcome, MainToWorker, WorkerToMain } from './messages.js';

const port = parentPort!;
const { bridgePort, signal } = workerData as { bridgePort: MessagePort; signal: SharedArrayBuffer };
const bridge = new BridgeClient(bridgePort, signal);
const components = new Map<string, LoadedComponent>();
/** Warm instances in least-recently-used order (Map iteration order). */
const instances = new Map<string, GuestInstance>();

const send = (message: WorkerToMain, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
const env = { bridge, post: (message: WorkerToMain & { type: 'log' }) => send(message) };

async function component(job: GuestJob): Promise<LoadedComponent> {
  let loaded = components.get(job.componentKey);
  if (!loaded) {
    if (!job.load) throw new Error(`component ${job.componentKey} was never sent to this worker`);
    const glue = (await import(job.load.glueUrl)) as Pick<LoadedComponent, 'instantiate'>;
    loaded = { instantiate: glue.instantiate, modules: job.load.modules };
    components.set(job.componentKey, loaded);
  }
  return loaded;
}

const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// CR, LF and NUL would let a guest split or forge the gateway's response headers.
// eslint-disable-next-line no-control-regex
const HEADER_VALUE_BAD_RE = /[\r\n\u0000]/;

function checkResponse(res: HttpResponse): string | undefined {
  if (!Number.isInteger(res?.status) || res.status < 100 || res.status > 599) {
    return `the guest answered an invalid HTTP status ${String(res?.status)}`;
  }
  if (!Array.isArray(res.headers)) return 'the guest answered malformed headers';
  for (const pair of res.headers) {
    const [name, value] = Array.isArray(pair) ? pair : [];
    if (typeof name !== 'string' || !HEADER_NAME_RE.test(name))
      return 'the guest answered an invalid header name';
    if (typeof value !== 'string' || HEADER_VALUE_BAD_RE.test(value)) {
      return `the guest answered an invalid value for header ${name}`;
    }
  }
  return undefined;
}

function tooLarge(res: HttpResponse, job: GuestJob): boolean {
  if ((res.body?.length ?? 0) > job.maxResponseBytes) return true;
  if (res.headers.length > job.maxResponseHeaders) return true;
  let bytes = 0;
  for (const [name, value] of res.headers) bytes += String(name).length + String(value).length;
  return bytes > job.maxResponseHeaderBytes;
}

type Result = { outcome: GuestOutcome; transfer: ArrayBuffer[] };

const failed = (failure: GuestFailure, message: string, memoryBytes: number, cold: boolean): Result => ({
  outcome: { ok: false, failure, message, memoryBytes, cold },
  transfer: [],
});

async function run(job: GuestJob): Promise<Result> {
  let cold = false;
  let instance = instances.get(job.instanceKey);
  if (instance) {
    instances.delete(job.instanceKey); // re-inserted below: most recently used last
  } else {
    cold = true;
    try {
      instance = createInstance(await component(job), job.linked, env);
    } catch (err) {
      const { failure, message } = classifyFailure(err, 0, job.memoryCapBytes);
      return failed(failure === 'MEMORY_LIMIT' ? failure : 'LOAD_FAILED', message, 0, cold);
    }
  }
  let res: HttpResponse;
  try {
    res = instance.handle(
      { callId: job.callId, data: job.data, deadline: job.deadline, counters: {} },
      job.request,
    );
  } catch (err) {
    // A trapped instance answers "cannot enter component instance" forever: it is dropped.
    const memoryBytes = instance.memoryBytes();
    const { failure, message } = classifyFailure(err, memoryBytes, job.memoryCapBytes);
    return failed(failure, message, memoryBytes, cold);
  }
  const memoryBytes = instance.memoryBytes();
  if (++instance.uses < job.maxUses) {
    instances.set(job.instanceKey, instance);
    while (instances.size > job.maxWarm) instances.delete(instances.keys().next().value!);
  }
  const invalid = checkResponse(res);
  if (invalid) return failed('GUEST_TRAP', invalid, memoryBytes, cold);
  if (tooLarge(res, job)) return failed('RESPONSE_TOO_LARGE', 'response too large', memoryBytes, cold);
  let body = res.body;
  if (body !== undefined && !(body instanceof Uint8Array)) {
    return failed('GUEST_TRAP', 'the guest answered a malformed body', memoryBytes, cold);
  }
  if (body && (body.byteOffset !== 0 || body.byteLength !== body.buffer.byteLength)) body = body.slice();
  const headers = res.headers.map(([name, value]): [string, string] => [String(name), String(value)]);
  return {
    outcome: { ok: true, response: { status: res.status, headers, body }, memoryBytes, cold },
    transfer: body ? [body.buffer as ArrayBuffer] : [],
  };
}

port.on('message', (message: MainToWorker) => {
  if (message.type === 'forget') {
    components.delete(message.componentKey);
    for (const key of instances.keys()) if (key.startsWith(`${message.componentKey}|`)) instances.delete(key);
    return;
  }
  const { job } = message;
  void run(job)
    .catch((err: unknown) => failed('GUEST_TRAP', `the guest failed: ${String(err)}`.slice(0, 300), 0, false))
    .then(({ outcome, transfer }) =>
      send({ type: 'done', callId: job.callId, outcome, warm: [...instances.keys()] }, transfer),
    );
});

send({ type: 'ready' });
