/** What crosses between the main thread and a guest worker. Everything here is structured-clonable. */
import type { ExecuteRequest, FieldList } from '@annex/sdk';
import type { BridgeAnswer, HostInterface } from '../host/factor.js';
import '../wasm-globals.js';

/** A compiled component: its glue module on disk and its compiled core modules. */
export interface ComponentLoad {
  key: string;
  glueUrl: string;
  modules: Record<string, WebAssembly.Module>;
}

export interface GuestJob {
  callId: number;
  /** Warm instances are kept per (install, content hash, memory cap, linked interfaces). */
  instanceKey: string;
  componentKey: string;
  /** Present when the worker has not loaded this component yet. */
  load?: ComponentLoad;
  linked: HostInterface[];
  data: Partial<Record<HostInterface, unknown>>;
  request: ExecuteRequest;
  deadline: number;
  memoryCapBytes: number;
  maxResponseBytes: number;
  maxResponseHeaders: number;
  maxResponseHeaderBytes: number;
  maxUses: number;
  maxWarm: number;
}

export type MainToWorker = { type: 'execute'; job: GuestJob } | { type: 'forget'; componentKey: string };

export type GuestFailure = 'GUEST_TRAP' | 'MEMORY_LIMIT' | 'RESPONSE_TOO_LARGE' | 'LOAD_FAILED';

export interface GuestResponse {
  status: number;
  headers: FieldList;
  body: Uint8Array | undefined;
}

export type GuestOutcome =
  | { ok: true; response: GuestResponse; memoryBytes: number; cold: boolean }
  | { ok: false; failure: GuestFailure; message: string; memoryBytes: number; cold: boolean };

export type WorkerToMain =
  | { type: 'ready' }
  | { type: 'log'; callId: number; level: string; message: string }
  | { type: 'done'; callId: number; outcome: GuestOutcome; warm: string[] };

export interface BridgeRequest {
  seq: number;
  callId: number;
  iface: HostInterface;
  fn: string;
  args: unknown[];
}

export interface BridgeReply {
  seq: number;
  answer: BridgeAnswer;
}
