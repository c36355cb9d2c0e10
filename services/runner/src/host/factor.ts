/**
 * One host capability, one unit (Spin's "factors"): each folder under host/ exports a GuestFactor,
 * the import functions it links into an instance, and, when its work is asynchronous, a HostService
 * that does that work on the main thread. The runtime is just the list in factors.ts.
 *
 * The two halves live on different threads: `link`/`denied` run in the guest's worker thread,
 * `callData` and the HostService run on the main thread. Only structured-clonable data crosses.
 */
import type { HostBindings, IMPORT_CAPABILITIES } from '@annex/sdk';
import type { ExecuteEnvelope } from '../execute/execute-schema.js';
import type { RunnerLimits } from '../runner-limits.js';

/** A WIT interface of world `extension` that the host implements. */
export type HostInterface = keyof HostBindings;
/** The capability that gates one interface (SPEC section 6 vocabulary). */
export type Capability = (typeof IMPORT_CAPABILITIES)[HostInterface];

/** What the guest's import functions of one instance can reach. Lives in the worker thread. */
export interface InstanceScope {
  /** The call in progress; throws when there is none (an import used outside `handle`). */
  call(): ActiveCall;
  /**
   * Runs a HostService function on the main thread and blocks until it answers (worker + Atomics.wait
   * bridge, FACTS.md). Returns the value, or throws the WIT error value the service answered.
   */
  bridge(iface: HostInterface, fn: string, args: unknown[]): unknown;
  /** Fire-and-forget message to the main thread (log lines). */
  post(message: { type: 'log'; level: string; message: string }): void;
}

/** One call as the worker sees it. */
export interface ActiveCall {
  callId: number;
  /** Per interface, what its `callData` produced for this call. */
  data: Partial<Record<HostInterface, unknown>>;
  /** Epoch ms after which the main thread will end the call. */
  deadline: number;
  /** Scratch space for per-call counters (log budget), reset each call. */
  counters: Record<string, number>;
}

export interface GuestFactor<Name extends HostInterface = HostInterface> {
  readonly name: Name;
  readonly capability: Capability;
  /** The key jco's generated code looks the interface up under (`annex:extension/kv`). */
  readonly witInterface: string;
  /** `cap:config.read`: linked whatever `providers` says. */
  readonly alwaysGranted?: boolean;
  /** Main thread: what this interface needs of one call, read from the execute request (clonable). */
  callData?(request: ExecuteEnvelope, limits: RunnerLimits): unknown;
  /** Worker: the import functions for one instance that holds the capability. */
  link(scope: InstanceScope): HostBindings[Name];
  /** Worker: what an instance without the capability gets. Answers denied; reaches nothing. */
  denied(): HostBindings[Name];
}

/** A HostService's answer to a bridged call: a value, or the WIT error value to throw in the guest. */
export type BridgeAnswer = { ok: true; value: unknown } | { ok: false; error: unknown };

/** What a HostService knows about the call it works for (main thread; never reaches the worker). */
export interface CallScope {
  callId: number;
  requestId: string;
  tenantId: string;
  extensionId: string;
  installId: string;
  request: ExecuteEnvelope;
  /** Epoch ms when the call's timeout ends. */
  deadline: number;
  /** Aborted when the call ends (answered, timed out, failed). */
  signal: AbortSignal;
  /** Bytes exchanged with external hosts by http.fetch. */
  egressBytes: number;
  /** Per-service memo for the call (decrypted secrets, …); dropped with the call. */
  memo: Map<string, unknown>;
}

/** The main-thread half of a capability whose work is asynchronous (database, network, keys). */
export interface HostService {
  readonly name: HostInterface;
  readonly capability: Capability;
  /** Runs one import function for a call that holds the capability. */
  invoke(fn: string, args: unknown[], call: CallScope): Promise<BridgeAnswer>;
  /** The WIT error value answered when the service itself fails unexpectedly. */
  readonly unavailable: unknown;
}

export const ok = (value: unknown): BridgeAnswer => ({ ok: true, value });
export const fail = (error: unknown): BridgeAnswer => ({ ok: false, error });
