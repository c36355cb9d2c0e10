/**
 * Worker side: one instance of a component, linked once to its host imports, reused across calls of
 * one (install, content hash, memory cap, linked interfaces) until it traps or reaches its use count.
 */
import { HANDLER_EXPORT, type ExecuteRequest, type HttpResponse } from '@annex/sdk';
import type { ActiveCall, HostInterface, InstanceScope } from '../host/factor.js';
import { linkImports } from '../host/factors.js';
import type { BridgeClient } from './bridge-client.js';
import type { GuestFailure } from './messages.js';
import '../wasm-globals.js';

type Instantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, object>,
  instantiateCore: (module: WebAssembly.Module, imports: object) => WebAssembly.Instance,
) => Record<string, { handle(req: ExecuteRequest): HttpResponse } | undefined>;

/** A component loaded in this worker: jco's glue (sync instantiation) and the compiled core modules. */
export interface LoadedComponent {
  instantiate: Instantiate;
  modules: Record<string, WebAssembly.Module>;
}

export interface GuestInstance {
  handle(call: ActiveCall, request: ExecuteRequest): HttpResponse;
  memoryBytes(): number;
  uses: number;
}

export interface InstanceEnv {
  bridge: BridgeClient;
  post(message: { type: 'log'; callId: number; level: string; message: string }): void;
}

export function createInstance(
  component: LoadedComponent,
  linked: readonly HostInterface[],
  env: InstanceEnv,
): GuestInstance {
  let current: ActiveCall | undefined;
  const scope: InstanceScope = {
    call: () => {
      if (!current) throw new Error('a host import was called outside a request');
      return current;
    },
    bridge: (iface, fn, args) => env.bridge.call(scope.call().callId, iface, fn, args),
    post: (message) => env.post({ ...message, callId: scope.call().callId }),
  };
  const memories: WebAssembly.Memory[] = [];
  const exports = component.instantiate(
    (name) => {
      const module = component.modules[name];
      if (!module) throw new Error(`the component's glue asked for an unknown core module ${name}`);
      return module;
    },
    linkImports(scope, linked),
    (module, imports) => {
      const instance = new WebAssembly.Instance(module, imports);
      for (const value of Object.values(instance.exports)) {
        if (value instanceof WebAssembly.Memory) memories.push(value);
      }
      return instance;
    },
  );
  const handler = exports[HANDLER_EXPORT] ?? exports['annex:extension/handler@0.1.0'];
  if (typeof handler?.handle !== 'function') throw new Error('the component does not export handler.handle');
  return {
    uses: 0,
    memoryBytes: () => memories.reduce((sum, m) => sum + m.buffer.byteLength, 0),
    handle(call, request) {
      current = call;
      try {
        return handler.handle(request);
      } finally {
        current = undefined;
      }
    },
  };
}

/**
 * Names a failure. A trap with the instance's memory near its cap is the cap (V8 gives no other
 * sign: a failed memory.grow returns -1 and the guest usually traps right after); so is V8 failing
 * to allocate a memory at all.
 */
export function classifyFailure(
  err: unknown,
  memoryBytes: number,
  memoryCapBytes: number,
): { failure: GuestFailure; message: string } {
  const e = err as Error;
  const text = `${e?.name ?? 'Error'}: ${String(e?.message ?? err)}`.slice(0, 300);
  if (e instanceof RangeError && /memory/i.test(e.message)) return { failure: 'MEMORY_LIMIT', message: text };
  if (memoryBytes >= memoryCapBytes * 0.875) return { failure: 'MEMORY_LIMIT', message: text };
  if (e instanceof WebAssembly.RuntimeError)
    return { failure: 'GUEST_TRAP', message: `the guest trapped: ${e.message}` };
  return { failure: 'GUEST_TRAP', message: `the guest failed: ${text}` };
}
