/**
 * Worker side of the host-call bridge (FACTS.md): post the call to the main thread, block on
 * Atomics.wait until it has answered, then read the answer with receiveMessageOnPort. The guest is
 * synchronous, so this is the only way it can wait for a database or the network; the worker thread
 * blocks, never the main thread.
 *
 * The shared cell is a counter the main thread increments after each answer it posts: waiting
 * "while the counter still has the value seen before" cannot miss a wake-up.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { HostInterface } from '../host/factor.js';
import type { BridgeReply, BridgeRequest } from './messages.js';

export class BridgeClient {
  private seq = 0;
  private readonly signal: Int32Array;

  constructor(
    private readonly port: MessagePort,
    signalBuffer: SharedArrayBuffer,
  ) {
    this.signal = new Int32Array(signalBuffer);
  }

  /** Returns the answered value, or throws the WIT error value the service answered. */
  call(callId: number, iface: HostInterface, fn: string, args: unknown[]): unknown {
    const seq = ++this.seq;
    let seen = Atomics.load(this.signal, 0);
    this.port.postMessage({ seq, callId, iface, fn, args } satisfies BridgeRequest);
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (received) {
        const reply = received.message as BridgeReply;
        if (reply.seq !== seq) continue; // an answer to an earlier, abandoned call
        if (reply.answer.ok) return reply.answer.value;
        throw reply.answer.error;
      }
      // No timeout: the main thread always answers, or terminates this worker at the call's deadline.
      Atomics.wait(this.signal, 0, seen);
      seen = Atomics.load(this.signal, 0);
    }
  }
}
