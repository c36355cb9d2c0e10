/**
 * Entry of the transpiler thread: jco's transpile is synchronous work of up to seconds for a 12 MB
 * component (FACTS.md), so it never runs on the main thread.
 */
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { transpileBytes } from '@bytecodealliance/jco-transpile';
import { TRANSPILE_OPTIONS } from './transpile-options.js';

export interface TranspileRequest {
  id: number;
  componentPath: string;
}

export type TranspileReply =
  | { id: number; ok: true; files: Record<string, Uint8Array>; imports: string[] }
  | { id: number; ok: false; message: string };

parentPort?.on('message', (request: TranspileRequest) => {
  void (async () => {
    let reply: TranspileReply;
    try {
      const bytes = await readFile(request.componentPath);
      const result = await transpileBytes(bytes, TRANSPILE_OPTIONS);
      reply = { id: request.id, ok: true, files: result.files, imports: result.imports };
    } catch (err) {
      reply = { id: request.id, ok: false, message: String((err as Error)?.message ?? err).slice(0, 500) };
    }
    const transfer = reply.ok ? Object.values(reply.files).map((f) => f.buffer as ArrayBuffer) : [];
    parentPort!.postMessage(reply, [...new Set(transfer)]);
  })();
});
