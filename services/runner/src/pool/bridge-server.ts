/**
 * Main-thread side of the host-call bridge: runs each bridged import on the HostService of its
 * interface, for the call that made it, and wakes the blocked worker. A call lacking the
 * capability is answered `denied` without touching the service (the worker links a stub anyway;
 * this is the second lock).
 */
import type { MessagePort } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import type { BridgeAnswer, CallScope, HostInterface, HostService } from '../host/factor.js';
import type { BridgeReply, BridgeRequest } from './messages.js';

export interface BridgeServerOptions {
  port: MessagePort;
  signal: SharedArrayBuffer;
  services: ReadonlyMap<HostInterface, HostService>;
  /** The call a worker is running, with the interfaces it was linked to; undefined once it ended. */
  callFor(callId: number): { scope: CallScope; linked: readonly HostInterface[] } | undefined;
  log: FastifyBaseLogger;
}

const DENIED: Partial<Record<HostInterface, unknown>> = { http: { tag: 'denied' } };

export function serveBridge(options: BridgeServerOptions): void {
  const counter = new Int32Array(options.signal);
  const answer = (seq: number, result: BridgeAnswer) => {
    options.port.postMessage({ seq, answer: result } satisfies BridgeReply);
    Atomics.add(counter, 0, 1);
    Atomics.notify(counter, 0);
  };
  options.port.on('message', (request: BridgeRequest) => {
    void (async () => {
      const call = options.callFor(request.callId);
      const service = options.services.get(request.iface);
      if (!call || !service || !call.linked.includes(request.iface)) {
        answer(request.seq, { ok: false, error: DENIED[request.iface] ?? 'denied' });
        return;
      }
      try {
        answer(request.seq, await service.invoke(request.fn, request.args, call.scope));
      } catch (err) {
        options.log.error({ err, iface: request.iface, fn: request.fn }, 'host service failed');
        answer(request.seq, { ok: false, error: service.unavailable });
      }
    })();
  });
}
