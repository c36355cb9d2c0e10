import { MemoryTooSmall, UnsupportedComponent, type ModuleCache } from '../module-cache/module-cache.js';
import { TranspileError } from '../module-cache/transpiler.js';
import type { ComponentLoad } from '../pool/messages.js';
import { runnerErrors } from '../runner-errors.js';

/** Compiled modules for a verified component, with load failures mapped to runner errors. */
export async function loadComponent(
  modules: ModuleCache,
  contentHash: string,
  componentPath: string,
  memoryMb: number,
): Promise<ComponentLoad> {
  try {
    return await modules.load(contentHash, componentPath, memoryMb);
  } catch (err) {
    if (err instanceof MemoryTooSmall) throw runnerErrors.memoryLimit(memoryMb);
    if (err instanceof UnsupportedComponent || err instanceof TranspileError) {
      throw runnerErrors.bundleIntegrity(`bundle ${contentHash} cannot be run: ${err.message}`, {
        reason: err instanceof UnsupportedComponent ? 'UNSUPPORTED_COMPONENT' : 'INVALID_COMPONENT',
      });
    }
    if (err instanceof Error && err.name === 'CompileError') {
      throw runnerErrors.bundleIntegrity(`bundle ${contentHash} cannot be compiled: ${err.message}`, {
        reason: 'INVALID_COMPONENT',
      });
    }
    throw err;
  }
}
