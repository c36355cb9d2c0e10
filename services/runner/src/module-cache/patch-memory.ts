/**
 * Rewrites the maximum of every memory a core module defines, so the guest traps at the cap instead
 * of growing without bound: worker `resourceLimits` do not cover wasm linear memory (FACTS.md).
 * Only the memory section is touched; every other byte is copied as is.
 */

/** 64 KiB wasm pages per MiB. */
const PAGES_PER_MIB = 16;

export class MemoryPatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemoryPatchError';
  }
}

export interface MemoryPatchResult {
  bytes: Uint8Array;
  /** Memories found (defined, not imported) and their initial size in pages. */
  memories: { initialPages: number; maximumPages: number }[];
}

const MEMORY_SECTION = 5;

function readU32(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    const byte = bytes[at + i];
    if (byte === undefined) throw new MemoryPatchError('truncated LEB128 number');
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) {
      if (value > 0xffffffff) throw new MemoryPatchError('LEB128 number out of range');
      return { value, next: at + i + 1 };
    }
    shift += 7;
  }
  throw new MemoryPatchError('LEB128 number too long');
}

function writeU32(value: number): number[] {
  const out: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0);
  return out;
}

/** The memory cap in pages for a cap in MiB. */
export function pagesForMiB(mib: number): number {
  return Math.max(1, Math.floor(mib * PAGES_PER_MIB));
}

/**
 * Returns the module with every defined memory's maximum set to at most `maxPages`. Memories with a
 * smaller maximum keep it; memories without one get `maxPages`. memory64, shared and custom-page-size
 * memories are refused (nothing here could cap them reliably).
 */
export function patchMemoryMaximum(module: Uint8Array, maxPages: number): MemoryPatchResult {
  if (
    module.length < 8 ||
    module[0] !== 0x00 ||
    module[1] !== 0x61 ||
    module[2] !== 0x73 ||
    module[3] !== 0x6d
  ) {
    throw new MemoryPatchError('not a WebAssembly core module');
  }
  const chunks: Uint8Array[] = [module.subarray(0, 8)];
  const memories: MemoryPatchResult['memories'] = [];
  let at = 8;
  while (at < module.length) {
    const id = module[at]!;
    const size = readU32(module, at + 1);
    const start = size.next;
    const end = start + size.value;
    if (end > module.length) throw new MemoryPatchError('section runs past the end of the module');
    if (id !== MEMORY_SECTION) {
      chunks.push(module.subarray(at, end));
      at = end;
      continue;
    }
    const count = readU32(module, start);
    const body: number[] = [...writeU32(count.value)];
    let p = count.next;
    for (let i = 0; i < count.value; i++) {
      const flags = module[p];
      if (flags !== 0x00 && flags !== 0x01) {
        throw new MemoryPatchError(`unsupported memory type (flags 0x${(flags ?? 0).toString(16)})`);
      }
      const min = readU32(module, p + 1);
      p = min.next;
      let max = maxPages;
      if (flags === 0x01) {
        const declared = readU32(module, p);
        p = declared.next;
        max = Math.min(declared.value, maxPages);
      }
      memories.push({ initialPages: min.value, maximumPages: max });
      body.push(0x01, ...writeU32(min.value), ...writeU32(max));
    }
    if (p !== end) throw new MemoryPatchError('malformed memory section');
    chunks.push(Uint8Array.of(MEMORY_SECTION, ...writeU32(body.length), ...body));
    at = end;
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return { bytes: out, memories };
}
